/* ob-apf-session.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-apf-channel-private.h"
#include "ob-poller.h"
#include "ob-apf-session-private.h"
#include "ob-stream-source.h"
#include "ob-util.h"

/* Bytes read per wakeup, on the stack: an idle session keeps no buffer. */
#define READ_CHUNK 16384
/* With a poller: reads per wakeup before the others get their turn. */
#define POLL_READS_PER_WAKEUP 16
/* Channels stop adding CHANNEL_DATA while this much output is queued. */
#define OUTPUT_HIGH_WATER (64 * 1024)
/* Reading stops while this much output waits (a peer that sends requests
 * but does not read the answers), and resumes when it has drained. */
#define OUTPUT_STOP_READING (256 * 1024)
/* A DISCONNECT (or a last USERAUTH_FAILURE) gets this long to go out. */
#define LINGER_MS 5000
/* Server role: ports recorded per session at most. */
#define MAX_FORWARDED_PORTS 64
/* Device-side channel ids start elsewhere than the MPS's (4), which makes
 * a mixed-up recipient id visible in tests. */
#define CLIENT_FIRST_CHANNEL_ID 256
#define SERVER_FIRST_CHANNEL_ID 4
#define ORIGINATOR_ADDRESS "1.2.3.4"

static const guint amt_forward_ports[] = { 16993, 16992, 664, 623, 16995, 16994, 5900 };

typedef enum
{
  CLIENT_IDLE,
  CLIENT_WAIT_AUTH_SERVICE,
  CLIENT_WAIT_USERAUTH,
  CLIENT_WAIT_PFWD_SERVICE,
  CLIENT_FORWARDING,
  CLIENT_READY,
} ClientStep;

struct _ObApfAuthRequest
{
  ObApfSession *session;
  char         *guid;
  char         *username;
  char         *password;
};

/* One per CIRA connection, thousands at once: pointers first, then the
 * 64-bit and 32-bit fields, so the struct has no holes. */
struct _ObApfSession
{
  GObject                parent_instance;

  GIOStream             *stream;
  GInputStream          *input;
  GOutputStream         *output;
  GMainContext          *context;

  /* With a poller (ob_apf_session_set_poller): its watch on the socket
   * stands in for read_source. */
  ObPoller              *poller;
  ObPollerWatch         *watch;
  /* Every timer runs on a poller, never as a GSource of its own: the
   * session's poller, or the one shared by everyone on the context (a
   * session over a plain stream).  Made on first use. */
  ObPoller              *timer_poller;

  /* Input. */
  GSource               *read_source;      /* pollable mode */
  guint8                *read_buffer;      /* async mode, while a read runs */
  GCancellable          *io_cancellable;   /* async mode */
  GByteArray            *inbuf;            /* an incomplete message */

  /* Output. */
  GByteArray            *outbuf;
  GBytes                *writing;          /* async mode */
  GSource               *write_source;     /* pollable mode */

  /* Timers (on timer_poller). */
  ObPollerTimer         *idle_timer;
  ObPollerTimer         *handshake_timer;  /* until authenticated */
  ObPollerTimer         *keepalive_timer;
  gint64                 keepalive_due;    /* monotonic; 0: from now */
  ObPollerTimer         *linger_timer;
  ObPollerTimer         *resume_timer;     /* "soon": continue reading */
  ObPollerTimer         *write_timer;      /* "soon": write the queued output */

  /* Identity and handshake. */
  char                  *guid;
  char                  *username;
  char                  *password;         /* client role */
  GArray                *forward_ports;    /* client: to request; NULL for a server */
  /* Forwarded (server) / accepted (client); exactly n_ports long. */
  guint16               *ports;
  ObApfAuthRequest      *pending_auth;

  ObApfAuthenticateFunc  auth_func;
  gpointer               auth_data;
  GDestroyNotify         auth_destroy;
  ObApfChannelFunc       channel_func;
  gpointer               channel_data;
  GDestroyNotify         channel_destroy;

  /* Local id -> ObApfChannelCore; made for the first channel and dropped
   * with the last, so an idle session keeps no table. */
  GHashTable            *channels;

  GError                *close_error;

  gint64                 last_activity;
  gint64                 last_seen;
  gsize                  max_channel_buffer;

  ObApfSessionRole       role;
  int                    poll_fd;
  guint32                major;
  guint32                minor;
  guint32                trigger_reason;
  ClientStep             client_step;
  guint                  forward_index;
  guint                  n_ports;
  guint                  auth_failures;

  /* Keepalive. */
  guint32                cookie;
  guint                  n_keepalives;

  /* Channels. */
  guint32                next_channel_id;
  guint32                next_source_port;

  /* Settings. */
  guint                  keepalive_interval;
  guint                  idle_timeout_ms;
  guint                  handshake_timeout_ms;
  guint                  open_timeout_ms;
  guint32                window_size;
  guint                  max_channels;
  guint                  max_auth_attempts;

  ObApfCloseReason       close_reason;
  guint32                peer_disconnect_reason;

  guint                  pollable : 1;
  guint                  started : 1;
  guint                  closed : 1;
  guint                  closing : 1;      /* closed, output still draining */
  guint                  stream_closed : 1;
  guint                  processing : 1;
  guint                  paused : 1;
  guint                  read_pending : 1;
  guint                  write_pending : 1;
  guint                  version_received : 1;
  guint                  authenticated : 1;
  guint                  keepalive_outstanding : 1;
};

static void ob_apf_session_stream_source_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObApfSession, ob_apf_session, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE,
                                                      ob_apf_session_stream_source_init))

G_DEFINE_ENUM_TYPE (ObApfSessionRole, ob_apf_session_role,
                    G_DEFINE_ENUM_VALUE (OB_APF_SESSION_ROLE_SERVER, "server"),
                    G_DEFINE_ENUM_VALUE (OB_APF_SESSION_ROLE_CLIENT, "client"))

G_DEFINE_ENUM_TYPE (ObApfCloseReason, ob_apf_close_reason,
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_NONE, "none"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_LOCAL, "local"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_REPLACED, "replaced"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_REJECTED, "rejected"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_PEER_CLOSED, "peer-closed"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_PEER_DISCONNECT, "peer-disconnect"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_IDLE_TIMEOUT, "idle-timeout"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT, "handshake-timeout"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_PROTOCOL_ERROR, "protocol-error"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_IO_ERROR, "io-error"),
                    G_DEFINE_ENUM_VALUE (OB_APF_CLOSE_REASON_AUTH_FAILED, "auth-failed"))

enum {
  PROP_0,
  PROP_STREAM,
  PROP_ROLE,
  PROP_GUID,
  PROP_AUTHENTICATED,
  PROP_CLOSED,
  PROP_LAST_SEEN,
  PROP_KEEPALIVE_INTERVAL,
  PROP_IDLE_TIMEOUT_MS,
  PROP_WINDOW_SIZE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_PROTOCOL_VERSION,
  SIGNAL_AUTHENTICATED,
  SIGNAL_PORT_FORWARDED,
  SIGNAL_PORT_CANCELLED,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_reading         (ObApfSession *self);
static void process_input         (ObApfSession *self,
                                   const guint8 *data,
                                   gsize         len);
static void close_internal        (ObApfSession    *self,
                                   ObApfCloseReason reason,
                                   GError          *error,
                                   gboolean         flush_output);
static void restart_idle_timer    (ObApfSession *self);
static void poll_readable         (gpointer      user_data);

const char *
ob_apf_close_reason_to_string (ObApfCloseReason reason)
{
  switch (reason)
    {
    case OB_APF_CLOSE_REASON_NONE: return "open";
    case OB_APF_CLOSE_REASON_LOCAL: return "closed locally";
    case OB_APF_CLOSE_REASON_REPLACED: return "replaced by a new connection";
    case OB_APF_CLOSE_REASON_REJECTED: return "rejected";
    case OB_APF_CLOSE_REASON_PEER_CLOSED: return "closed by the peer";
    case OB_APF_CLOSE_REASON_PEER_DISCONNECT: return "disconnected by the peer";
    case OB_APF_CLOSE_REASON_IDLE_TIMEOUT: return "idle timeout";
    case OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT: return "handshake timeout";
    case OB_APF_CLOSE_REASON_PROTOCOL_ERROR: return "protocol error";
    case OB_APF_CLOSE_REASON_IO_ERROR: return "connection error";
    case OB_APF_CLOSE_REASON_AUTH_FAILED: return "authentication failed";
    default: return "unknown";
    }
}

/* ---- small helpers ------------------------------------------------------------------ */

static ObPoller *
get_timer_poller (ObApfSession *self)
{
  if (self->timer_poller == NULL)
    self->timer_poller = self->poller != NULL ? ob_poller_ref (self->poller)
                                              : ob_poller_get_for_context (self->context);
  return self->timer_poller;
}

/* Runs @func at @ms from now on @timer, made on first use. */
static void
arm_timer (ObApfSession   *self,
           ObPollerTimer **timer,
           ObPollerFunc    func,
           gint64          ms)
{
  if (*timer == NULL)
    *timer = ob_poller_timer_new (get_timer_poller (self), func, self);
  ob_poller_timer_schedule (*timer, g_get_monotonic_time () + ms * 1000);
}

static void
cancel_timer (ObPollerTimer *timer)
{
  if (timer != NULL)
    ob_poller_timer_cancel (timer);
}

static gboolean
timer_is_armed (ObPollerTimer *timer)
{
  return timer != NULL && ob_poller_timer_is_scheduled (timer);
}

static void
free_timers (ObApfSession *self)
{
  g_clear_pointer (&self->idle_timer, ob_poller_timer_free);
  g_clear_pointer (&self->handshake_timer, ob_poller_timer_free);
  g_clear_pointer (&self->keepalive_timer, ob_poller_timer_free);
  g_clear_pointer (&self->linger_timer, ob_poller_timer_free);
  g_clear_pointer (&self->resume_timer, ob_poller_timer_free);
  g_clear_pointer (&self->write_timer, ob_poller_timer_free);
}

ObPoller *
_ob_apf_session_get_poller (ObApfSession *self)
{
  return get_timer_poller (self);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static gboolean
is_text_arg (const char *s)
{
  return s != NULL && strlen (s) <= OB_APF_MAX_STRING_LENGTH && g_utf8_validate (s, -1, NULL);
}

/* ---- output ------------------------------------------------------------------------- */

GByteArray *
_ob_apf_session_get_output (ObApfSession *self)
{
  if (self->outbuf == NULL)
    self->outbuf = g_byte_array_new ();
  return self->outbuf;
}

GMainContext *
_ob_apf_session_get_context (ObApfSession *self)
{
  return self->context;
}

gboolean
_ob_apf_session_can_send_data (ObApfSession *self)
{
  return !self->closed && (self->outbuf == NULL || self->outbuf->len < OUTPUT_HIGH_WATER);
}

static void close_stream (ObApfSession *self);
static void schedule_resume (ObApfSession *self);
static void free_poller_items (ObApfSession *self);

static gboolean
is_reading (ObApfSession *self)
{
  if (self->poller != NULL)
    return self->watch != NULL && ob_poller_watch_get_enabled (self->watch);
  return self->read_source != NULL;
}

static gboolean
output_full (ObApfSession *self)
{
  return self->outbuf != NULL && self->outbuf->len >= OUTPUT_STOP_READING;
}

/* Everything queued went out: finish a graceful close, or let channels
 * with waiting output send more. */
static void
output_drained (ObApfSession *self)
{
  g_autoptr(GPtrArray) cores = NULL;
  GHashTableIter iter;
  gpointer value;

  if (self->closing)
    {
      self->closing = FALSE;
      cancel_timer (self->linger_timer);
      close_stream (self);
      return;
    }
  if (self->closed)
    return;

  /* Input held back by a full output queue can go on. */
  if (!self->paused && !is_reading (self) && !self->read_pending && self->started)
    schedule_resume (self);

  /* A snapshot: flushing may take a channel out of the table. */
  if (self->channels == NULL)
    return;
  cores = g_ptr_array_new_with_free_func ((GDestroyNotify) _ob_apf_channel_core_unref);
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (_ob_apf_channel_core_has_output (value))
      g_ptr_array_add (cores, _ob_apf_channel_core_ref (value));
  for (guint i = 0; i < cores->len && _ob_apf_session_can_send_data (self); i++)
    _ob_apf_channel_core_flush (g_ptr_array_index (cores, i));
}

static void
io_failed (ObApfSession *self,
           GError       *error)
{
  g_autoptr(GError) owned = error;

  if (self->closed)
    {
      /* Writing the last bytes of a graceful close failed: just end. */
      if (self->closing)
        {
          self->closing = FALSE;
          g_clear_pointer (&self->outbuf, g_byte_array_unref);
          cancel_timer (self->linger_timer);
          close_stream (self);
        }
      return;
    }
  /* A reset or a broken pipe is the peer going away too. */
  if (g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)
      || g_error_matches (owned, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    close_internal (self, OB_APF_CLOSE_REASON_PEER_CLOSED,
                    g_error_new (OB_APF_ERROR, OB_APF_ERROR_CLOSED, "The peer closed the CIRA connection (%s)",
                                 owned->message),
                    FALSE);
  else
    close_internal (self, OB_APF_CLOSE_REASON_IO_ERROR,
                    g_error_new (G_IO_ERROR, owned->domain == G_IO_ERROR ? owned->code : G_IO_ERROR_FAILED,
                                 "CIRA connection error: %s", owned->message),
                    FALSE);
}

static gboolean
on_writable (GObject  *stream,
             gpointer  user_data)
{
  ObApfSession *self = user_data;
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));

  while (self->outbuf != NULL && self->outbuf->len > 0)
    {
      GError *error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->output),
                                                             self->outbuf->data, self->outbuf->len,
                                                             NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              return G_SOURCE_CONTINUE;
            }
          clear_source (&self->write_source);
          io_failed (self, error);
          return G_SOURCE_REMOVE;
        }
      g_byte_array_remove_range (self->outbuf, 0, (guint) n);
    }

  clear_source (&self->write_source);
  /* An idle session keeps no output buffer either. */
  g_clear_pointer (&self->outbuf, g_byte_array_unref);
  output_drained (self);
  return G_SOURCE_REMOVE;
}

static void write_async_next (ObApfSession *self);
static void write_now        (ObApfSession *self);

/* Pollable mode: the output would block, wait until the stream takes
 * more. */
static void
wait_writable (ObApfSession *self)
{
  if (self->write_source != NULL)
    return;
  self->write_source = g_pollable_output_stream_create_source (G_POLLABLE_OUTPUT_STREAM (self->output), NULL);
  g_source_set_callback (self->write_source, (GSourceFunc) on_writable, self, NULL);
  g_source_attach (self->write_source, self->context);
}

static void
on_write_timer (gpointer user_data)
{
  ObApfSession *self = user_data;
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));

  write_now (self);
}

static void
on_write_done (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(ObApfSession) self = user_data;
  g_autoptr(GError) error = NULL;

  self->write_pending = FALSE;
  g_clear_pointer (&self->writing, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (self->stream_closed || (self->closed && !self->closing))
        {
          if (self->stream_closed)
            return;
          close_stream (self);
          return;
        }
      io_failed (self, g_steal_pointer (&error));
      return;
    }

  if (self->closed && !self->closing)
    {
      close_stream (self);
      return;
    }
  if (self->outbuf != NULL && self->outbuf->len > 0)
    write_async_next (self);
  else
    output_drained (self);
}

static void
write_async_next (ObApfSession *self)
{
  gsize len;
  gconstpointer data;

  self->writing = g_byte_array_free_to_bytes (g_steal_pointer (&self->outbuf));
  data = g_bytes_get_data (self->writing, &len);
  self->write_pending = TRUE;
  g_output_stream_write_all_async (self->output, data, len, G_PRIORITY_DEFAULT, self->io_cancellable,
                                   on_write_done, g_object_ref (self));
}

void
_ob_apf_session_schedule_write (ObApfSession *self)
{
  if (self->stream_closed || (self->closed && !self->closing))
    return;
  if (self->outbuf == NULL || self->outbuf->len == 0)
    return;

  if (self->pollable)
    {
      /* While input is being processed, process_input() writes at its end
       * (usually at once, without a source).  Otherwise the write happens
       * from the main loop, never inside the caller, so a write error
       * cannot close the session under its caller's feet: on the poller's
       * next round (channel output, keepalives), and only when the stream
       * would block from a source that waits for room. */
      if (self->processing || self->write_source != NULL)
        return;
      if (self->write_timer == NULL)
        self->write_timer = ob_poller_timer_new (get_timer_poller (self), on_write_timer, self);
      if (!ob_poller_timer_is_scheduled (self->write_timer))
        ob_poller_timer_schedule (self->write_timer, 0);
    }
  else if (!self->write_pending)
    write_async_next (self);
}

/* After a batch of input: answers usually fit in the socket buffer, so
 * write them now instead of attaching a source (keepalives at scale). */
static void
write_now (ObApfSession *self)
{
  if (!self->pollable || self->write_source != NULL || self->stream_closed
      || (self->closed && !self->closing) || self->outbuf == NULL || self->outbuf->len == 0)
    return;

  while (self->outbuf->len > 0)
    {
      GError *error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (self->output),
                                                             self->outbuf->data, self->outbuf->len,
                                                             NULL, &error);

      if (n < 0)
        {
          if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            {
              g_error_free (error);
              wait_writable (self);
            }
          else
            io_failed (self, error);
          return;
        }
      g_byte_array_remove_range (self->outbuf, 0, (guint) n);
    }

  g_clear_pointer (&self->outbuf, g_byte_array_unref);
  output_drained (self);
}

static void
on_stream_closed (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

/* Close the transport once no asynchronous operation still uses it. */
static void
close_stream (ObApfSession *self)
{
  if (self->stream_closed)
    return;
  if (self->read_pending || self->write_pending)
    {
      /* Their callbacks come back here. */
      g_cancellable_cancel (self->io_cancellable);
      return;
    }
  self->stream_closed = TRUE;
  /* Out of the epoll set before the descriptor closes (its number may be
   * the next connection's at once). */
  free_poller_items (self);
  clear_source (&self->write_source);
  g_clear_pointer (&self->outbuf, g_byte_array_unref);
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, on_stream_closed, NULL);
}

static void
on_linger_timeout (gpointer user_data)
{
  ObApfSession *self = user_data;

  self->closing = FALSE;
  /* Drops what is still queued (a peer that does not read). */
  close_stream (self);
}

/* ---- closing -------------------------------------------------------------------------- */

static void
stop_reading (ObApfSession *self)
{
  clear_source (&self->read_source);
  if (self->watch != NULL)
    ob_poller_watch_set_enabled (self->watch, FALSE);
}

static void
cancel_idle_timer (ObApfSession *self)
{
  cancel_timer (self->idle_timer);
}

/* The handshake is timed once: its timer goes rather than wait, unused,
 * for the rest of the connection. */
static void
cancel_handshake_timer (ObApfSession *self)
{
  g_clear_pointer (&self->handshake_timer, ob_poller_timer_free);
}

/* The watch goes with the socket it serves, the timers with the
 * connection (the linger timer may be the caller: the poller allows
 * that). */
static void
free_poller_items (ObApfSession *self)
{
  g_clear_pointer (&self->watch, ob_poller_watch_free);
  free_timers (self);
}

static void
close_internal (ObApfSession     *self,
                ObApfCloseReason  reason,
                GError           *error,
                gboolean          flush_output)
{
  g_autoptr(GObject) hold = NULL;
  g_autoptr(GPtrArray) cores = NULL;
  GHashTable *channels;
  GHashTableIter iter;
  gpointer value;

  if (self->closed)
    {
      g_clear_error (&error);
      return;
    }

  hold = g_object_ref (G_OBJECT (self));
  self->closed = TRUE;
  self->close_reason = reason;
  self->close_error = error != NULL ? error
                                    : g_error_new (OB_APF_ERROR, OB_APF_ERROR_CLOSED, "The CIRA connection was %s",
                                                   ob_apf_close_reason_to_string (reason));

  g_debug ("Session %s: %s (%s)", self->guid != NULL ? self->guid : "(no GUID yet)",
           ob_apf_close_reason_to_string (reason), self->close_error->message);

  stop_reading (self);
  cancel_timer (self->resume_timer);
  cancel_idle_timer (self);
  cancel_handshake_timer (self);
  cancel_timer (self->keepalive_timer);

  /* Every channel fails; their readers still get what was buffered. */
  cores = g_ptr_array_new_with_free_func ((GDestroyNotify) _ob_apf_channel_core_unref);
  channels = g_steal_pointer (&self->channels);
  if (channels != NULL)
    {
      g_hash_table_iter_init (&iter, channels);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (cores, _ob_apf_channel_core_ref (value));
    }
  g_clear_pointer (&channels, g_hash_table_unref);
  for (guint i = 0; i < cores->len; i++)
    _ob_apf_channel_core_session_lost (g_ptr_array_index (cores, i), self->close_error);

  if (flush_output && self->outbuf != NULL && self->outbuf->len > 0 && !self->stream_closed)
    {
      self->closing = TRUE;
      arm_timer (self, &self->linger_timer, on_linger_timeout, LINGER_MS);
      _ob_apf_session_schedule_write (self);
    }
  else
    {
      g_clear_pointer (&self->outbuf, g_byte_array_unref);
      close_stream (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLOSED]);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, reason, self->close_error);
}

static void
protocol_error (ObApfSession *self,
                GError       *error)
{
  /* As the reference: close without an APF DISCONNECT. */
  close_internal (self, OB_APF_CLOSE_REASON_PROTOCOL_ERROR, error, FALSE);
}

void
ob_apf_session_close (ObApfSession     *self,
                      ObApfCloseReason  reason)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (reason == OB_APF_CLOSE_REASON_NONE)
    reason = OB_APF_CLOSE_REASON_LOCAL;
  close_internal (self, reason, NULL, FALSE);
}

void
ob_apf_session_disconnect (ObApfSession *self,
                           guint32       reason)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->closed)
    return;
  ob_apf_encode_disconnect (_ob_apf_session_get_output (self), reason);
  close_internal (self, OB_APF_CLOSE_REASON_LOCAL,
                  g_error_new (OB_APF_ERROR, OB_APF_ERROR_CLOSED, "Disconnected (%s)",
                               ob_apf_disconnect_reason_to_string (reason)),
                  TRUE);
}

/* ---- timers ----------------------------------------------------------------------------- */

static void on_idle_timer (gpointer user_data);

static void
arm_idle_timer (ObApfSession *self,
                guint         ms)
{
  arm_timer (self, &self->idle_timer, on_idle_timer, ms);
}

static void
on_idle_timer (gpointer user_data)
{
  ObApfSession *self = user_data;
  gint64 deadline = self->last_activity + (gint64) self->idle_timeout_ms * 1000;
  gint64 now = g_get_monotonic_time ();

  if (self->closed || self->idle_timeout_ms == 0)
    return;

  /* Traffic only stamps last_activity; the timer checks it lazily, so a
   * busy connection costs one timer per timeout period. */
  if (now < deadline)
    {
      arm_idle_timer (self, (guint) ((deadline - now + 999) / 1000));
      return;
    }

  close_internal (self, OB_APF_CLOSE_REASON_IDLE_TIMEOUT,
                  g_error_new (OB_APF_ERROR, OB_APF_ERROR_TIMEOUT,
                               "Nothing came over the CIRA connection for %u ms", self->idle_timeout_ms),
                  FALSE);
}

static void
restart_idle_timer (ObApfSession *self)
{
  cancel_idle_timer (self);
  if (self->closed || !self->started || self->idle_timeout_ms == 0)
    return;
  arm_idle_timer (self, self->idle_timeout_ms);
}

static void
on_handshake_timer (gpointer user_data)
{
  ObApfSession *self = user_data;

  if (!self->authenticated)
    close_internal (self, OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT,
                    g_error_new (OB_APF_ERROR, OB_APF_ERROR_TIMEOUT,
                                 "The device did not authenticate within %u ms", self->handshake_timeout_ms),
                    FALSE);
}

static void
arm_handshake_timer (ObApfSession *self,
                     guint         ms)
{
  arm_timer (self, &self->handshake_timer, on_handshake_timer, ms);
}

static void on_keepalive_timer (gpointer user_data);

/* Every interval after the session's own start. */
static void
arm_keepalive_timer (ObApfSession *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 period = (gint64) self->keepalive_interval * G_USEC_PER_SEC;

  /* Each period counts from the last deadline, not from when the timer
   * ran, so keepalives do not drift; and each device keeps the phase of
   * its own start, as real devices' clocks do.  (Timers on whole seconds
   * made a simulated fleet send its keepalives all at once, and the MPS
   * answer them in one burst while its other work waited.)  After a
   * stall the count starts again from now. */
  if (self->keepalive_due == 0 || self->keepalive_due + period <= now)
    self->keepalive_due = now + period;
  else
    self->keepalive_due += period;
  if (self->keepalive_timer == NULL)
    self->keepalive_timer = ob_poller_timer_new (get_timer_poller (self), on_keepalive_timer, self);
  ob_poller_timer_schedule (self->keepalive_timer, self->keepalive_due);
}

static void
on_keepalive_timer (gpointer user_data)
{
  ObApfSession *self = user_data;

  if (self->closed || self->keepalive_interval == 0)
    return;
  arm_keepalive_timer (self);
  self->cookie++;
  self->keepalive_outstanding = TRUE;
  ob_apf_encode_keepalive_request (_ob_apf_session_get_output (self), self->cookie);
  _ob_apf_session_schedule_write (self);
}

static void
restart_keepalive_timer (ObApfSession *self)
{
  cancel_timer (self->keepalive_timer);
  self->keepalive_due = 0;
  if (self->role != OB_APF_SESSION_ROLE_CLIENT || self->closed || !self->authenticated
      || self->keepalive_interval == 0)
    return;
  arm_keepalive_timer (self);
}

/* ---- server role ---------------------------------------------------------------------------- */

static void
pause_input (ObApfSession *self)
{
  self->paused = TRUE;
  stop_reading (self);
}

static void
on_resume (gpointer user_data)
{
  ObApfSession *self = user_data;
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));

  if (self->closed || self->paused)
    return;
  /* process_input() starts reading again when it can. */
  process_input (self, NULL, 0);
  /* The TLS layer may hold decrypted bytes the socket no longer shows. */
  if (self->poller != NULL && is_reading (self))
    poll_readable (self);
}

/* Continue from the main loop, on the poller's next round (a timer due
 * at once runs then, never inside the caller). */
static void
schedule_resume (ObApfSession *self)
{
  if (self->processing || self->closed || timer_is_armed (self->resume_timer))
    return;
  if (self->resume_timer == NULL)
    self->resume_timer = ob_poller_timer_new (get_timer_poller (self), on_resume, self);
  ob_poller_timer_schedule (self->resume_timer, 0);
}

static void
resume_input (ObApfSession *self)
{
  self->paused = FALSE;
  /* Inside the processing loop (an authenticator that answered at once)
   * the loop simply goes on; otherwise continue from the main loop, not
   * from the caller's stack. */
  schedule_resume (self);
}

static void
auth_refused (ObApfSession *self)
{
  ob_apf_encode_userauth_failure (_ob_apf_session_get_output (self), NULL);
  _ob_apf_session_schedule_write (self);
  self->auth_failures++;
  if (self->max_auth_attempts > 0 && self->auth_failures >= self->max_auth_attempts)
    close_internal (self, OB_APF_CLOSE_REASON_AUTH_FAILED,
                    g_error_new (OB_APF_ERROR, OB_APF_ERROR_AUTH_FAILED,
                                 "%u failed authentication attempts", self->auth_failures),
                    TRUE);
}

ObApfSession *
ob_apf_auth_request_get_session (ObApfAuthRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->session;
}

const char *
ob_apf_auth_request_get_guid (ObApfAuthRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->guid;
}

const char *
ob_apf_auth_request_get_username (ObApfAuthRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->username;
}

const char *
ob_apf_auth_request_get_password (ObApfAuthRequest *request)
{
  g_return_val_if_fail (request != NULL, NULL);

  return request->password;
}

void
ob_apf_auth_request_complete (ObApfAuthRequest *request,
                              gboolean          allowed)
{
  ObApfSession *self;

  g_return_if_fail (request != NULL);

  self = request->session;
  if (self->pending_auth == request)
    {
      self->pending_auth = NULL;
      if (!self->closed)
        {
          if (allowed)
            {
              self->authenticated = TRUE;
              g_free (self->username);
              self->username = g_strdup (request->username);
              cancel_handshake_timer (self);
              ob_apf_encode_userauth_success (_ob_apf_session_get_output (self));
              _ob_apf_session_schedule_write (self);
              g_debug ("Session %s: authenticated as %s", self->guid, self->username);
              g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHENTICATED]);
              g_signal_emit (self, signals[SIGNAL_AUTHENTICATED], 0);
            }
          else
            auth_refused (self);
          if (!self->closed)
            resume_input (self);
        }
    }

  g_free (request->guid);
  g_free (request->username);
  ob_secure_free_string (request->password);
  g_object_unref (request->session);
  g_free (request);
}

static void
server_userauth (ObApfSession       *self,
                 const ObApfMessage *m)
{
  ObApfAuthRequest *request;

  if (self->authenticated)
    {
      /* RFC 4252: requests after success are ignored. */
      g_debug ("Session %s: USERAUTH_REQUEST after success, ignored", self->guid);
      return;
    }
  if (!self->version_received || self->auth_func == NULL
      || g_strcmp0 (m->userauth_request.method, OB_APF_METHOD_PASSWORD) != 0
      || m->userauth_request.password == NULL)
    {
      auth_refused (self);
      return;
    }

  request = g_new0 (ObApfAuthRequest, 1);
  request->session = g_object_ref (self);
  request->guid = g_strdup (self->guid);
  request->username = g_strdup (m->userauth_request.username);
  request->password = g_strdup (m->userauth_request.password);

  /* Later messages wait for the answer, in order. */
  self->pending_auth = request;
  pause_input (self);
  self->auth_func (self, request, self->auth_data);
}

static gboolean
ports_contain (ObApfSession *self,
               guint         port)
{
  for (guint i = 0; i < self->n_ports; i++)
    if (self->ports[i] == port)
      return TRUE;
  return FALSE;
}

/* @port is 1 … 65535.  Ports change a few times per connection: the array
 * is kept at its exact size. */
static void
ports_add (ObApfSession *self,
           guint         port)
{
  if (ports_contain (self, port))
    return;
  self->ports = g_renew (guint16, self->ports, self->n_ports + 1);
  self->ports[self->n_ports++] = (guint16) port;
}

static void
ports_remove (ObApfSession *self,
              guint         port)
{
  for (guint i = 0; i < self->n_ports; i++)
    if (self->ports[i] == port)
      {
        memmove (self->ports + i, self->ports + i + 1, (self->n_ports - i - 1) * sizeof (guint16));
        if (--self->n_ports == 0)
          g_clear_pointer (&self->ports, g_free);
        return;
      }
}

static void
server_global_request (ObApfSession       *self,
                       const ObApfMessage *m)
{
  GByteArray *out = _ob_apf_session_get_output (self);
  guint port = m->global_request.port;

  switch (m->global_request.kind)
    {
    case OB_APF_GLOBAL_REQUEST_TCPIP_FORWARD:
      if (!self->authenticated || port == 0 || port > 65535
          || (!ports_contain (self, port) && self->n_ports >= MAX_FORWARDED_PORTS))
        {
          g_debug ("Session %s: tcpip-forward %u refused", self->guid, port);
          ob_apf_encode_request_failure (out);
          break;
        }
      ports_add (self, port);
      /* The reference answers whatever want-reply says. */
      ob_apf_encode_request_success (out, TRUE, port);
      /* 5900 comes last in AMT's order: ask for keepalives now. */
      if (port == 5900)
        ob_apf_encode_keepalive_options_request (out, self->keepalive_interval, 0);
      _ob_apf_session_schedule_write (self);
      g_signal_emit (self, signals[SIGNAL_PORT_FORWARDED], 0, port);
      return;

    case OB_APF_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD:
      if (!self->authenticated)
        {
          ob_apf_encode_request_failure (out);
          break;
        }
      if (ports_contain (self, port))
        {
          ports_remove (self, port);
          g_signal_emit (self, signals[SIGNAL_PORT_CANCELLED], 0, port);
        }
      ob_apf_encode_request_success (out, FALSE, 0);
      break;

    case OB_APF_GLOBAL_REQUEST_UDP_SEND_TO:
    case OB_APF_GLOBAL_REQUEST_OTHER:
    default:
      /* Parsed and dropped; no reply (as the reference). */
      g_debug ("Session %s: global request %s ignored", self->guid, m->global_request.name);
      return;
    }
  _ob_apf_session_schedule_write (self);
}

/* ---- channels (both roles) --------------------------------------------------------------- */

static guint
n_channels (ObApfSession *self)
{
  return self->channels != NULL ? g_hash_table_size (self->channels) : 0;
}

static void
add_channel (ObApfSession     *self,
             guint32           local_id,
             ObApfChannelCore *core)
{
  if (self->channels == NULL)
    self->channels = g_hash_table_new_full (NULL, NULL, NULL,
                                            (GDestroyNotify) _ob_apf_channel_core_unref);
  g_hash_table_insert (self->channels, GUINT_TO_POINTER (local_id), core);
}

void
_ob_apf_session_remove_channel (ObApfSession *self,
                                guint32       local_id)
{
  if (self->channels == NULL)
    return;
  g_hash_table_remove (self->channels, GUINT_TO_POINTER (local_id));
  if (self->channels != NULL && g_hash_table_size (self->channels) == 0)
    g_clear_pointer (&self->channels, g_hash_table_unref);
}

static guint32
allocate_channel_id (ObApfSession *self)
{
  while (self->next_channel_id == 0
         || (self->channels != NULL
             && g_hash_table_contains (self->channels, GUINT_TO_POINTER (self->next_channel_id))))
    self->next_channel_id++;
  return self->next_channel_id++;
}

static ObApfChannelCore *
lookup_core (ObApfSession *self,
             guint32       local_id,
             const char   *what)
{
  ObApfChannelCore *core = NULL;

  if (self->channels != NULL)
    core = g_hash_table_lookup (self->channels, GUINT_TO_POINTER (local_id));
  /* The reference logs these and goes on (late data after our close). */
  if (core == NULL)
    g_debug ("Session %s: %s for unknown channel %u", self->guid, what, local_id);
  return core;
}

static void
channel_message (ObApfSession       *self,
                 const ObApfMessage *m)
{
  ObApfChannelCore *core;

  switch ((guint) m->type)
    {
    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
      core = lookup_core (self, m->open_confirmation.recipient_channel, "CHANNEL_OPEN_CONFIRMATION");
      if (core != NULL)
        _ob_apf_channel_core_open_confirmed (core, m->open_confirmation.sender_channel,
                                             m->open_confirmation.initial_window);
      break;
    case OB_APF_CHANNEL_OPEN_FAILURE:
      core = lookup_core (self, m->open_failure.recipient_channel, "CHANNEL_OPEN_FAILURE");
      if (core != NULL)
        _ob_apf_channel_core_open_failed (core, m->open_failure.reason);
      break;
    case OB_APF_CHANNEL_WINDOW_ADJUST:
      core = lookup_core (self, m->window_adjust.recipient_channel, "CHANNEL_WINDOW_ADJUST");
      if (core != NULL)
        _ob_apf_channel_core_window_adjust (core, m->window_adjust.bytes_to_add);
      break;
    case OB_APF_CHANNEL_DATA:
      core = lookup_core (self, m->channel_data.recipient_channel, "CHANNEL_DATA");
      if (core != NULL)
        _ob_apf_channel_core_receive (core, m->channel_data.data, m->channel_data.length);
      break;
    case OB_APF_CHANNEL_CLOSE:
      core = lookup_core (self, m->channel_close.recipient_channel, "CHANNEL_CLOSE");
      if (core != NULL)
        _ob_apf_channel_core_peer_closed (core);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
refuse_channel (ObApfSession *self,
                guint32       sender,
                guint32       reason)
{
  ob_apf_encode_channel_open_failure (_ob_apf_session_get_output (self), sender, reason, NULL, NULL);
  _ob_apf_session_schedule_write (self);
}

static void
client_channel_open (ObApfSession       *self,
                     const ObApfMessage *m)
{
  g_autoptr(ObApfChannel) channel = NULL;
  ObApfChannelCore *core;
  guint32 sender = m->channel_open.sender_channel;
  guint port = m->channel_open.connected_port;
  guint32 id;

  if (g_strcmp0 (m->channel_open.channel_type, OB_APF_CHANNEL_FORWARDED_TCPIP) != 0)
    {
      refuse_channel (self, sender, OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
      return;
    }
  /* RFC 4254 §7.2: only ports we asked to have forwarded. */
  if (!self->authenticated || !ports_contain (self, port))
    {
      refuse_channel (self, sender, OB_APF_OPEN_FAILURE_ADMINISTRATIVELY_PROHIBITED);
      return;
    }
  if (self->channel_func == NULL)
    {
      refuse_channel (self, sender, OB_APF_OPEN_FAILURE_CONNECT_FAILED);
      return;
    }
  if (n_channels (self) >= self->max_channels)
    {
      refuse_channel (self, sender, OB_APF_OPEN_FAILURE_RESOURCE_SHORTAGE);
      return;
    }

  id = allocate_channel_id (self);
  core = _ob_apf_channel_core_new (self, id, port, self->window_size, self->max_channel_buffer);
  add_channel (self, id, core);
  channel = _ob_apf_channel_core_accept (core, sender, m->channel_open.initial_window);

  /* The confirmation goes out before anything the handler writes. */
  ob_apf_encode_channel_open_confirmation (_ob_apf_session_get_output (self), sender, id,
                                           self->window_size, 0xffffffff);
  _ob_apf_session_schedule_write (self);
  self->channel_func (self, channel, self->channel_data);
}

/* ---- client role ------------------------------------------------------------------------------- */

static void
client_send_next_forward (ObApfSession *self)
{
  if (self->forward_index >= self->forward_ports->len)
    {
      self->client_step = CLIENT_READY;
      return;
    }
  ob_apf_encode_tcpip_forward (_ob_apf_session_get_output (self), FALSE, TRUE, "",
                               g_array_index (self->forward_ports, guint, self->forward_index));
  _ob_apf_session_schedule_write (self);
}

static void
client_start (ObApfSession *self)
{
  GByteArray *out = _ob_apf_session_get_output (self);

  ob_apf_encode_protocol_version (out, 1, 0, self->trigger_reason, self->guid);
  ob_apf_encode_service_request (out, OB_APF_SERVICE_AUTH);
  self->client_step = CLIENT_WAIT_AUTH_SERVICE;
  _ob_apf_session_schedule_write (self);
}

static void
handle_client_message (ObApfSession       *self,
                       const ObApfMessage *m)
{
  GByteArray *out;

  switch ((guint) m->type)
    {
    case OB_APF_SERVICE_ACCEPT:
      if (self->client_step == CLIENT_WAIT_AUTH_SERVICE
          && g_strcmp0 (m->service.name, OB_APF_SERVICE_AUTH) == 0)
        {
          ob_apf_encode_userauth_request (_ob_apf_session_get_output (self), self->username,
                                          OB_APF_SERVICE_PFWD, OB_APF_METHOD_PASSWORD, self->password);
          _ob_apf_session_schedule_write (self);
          self->client_step = CLIENT_WAIT_USERAUTH;
        }
      else if (self->client_step == CLIENT_WAIT_PFWD_SERVICE
               && g_strcmp0 (m->service.name, OB_APF_SERVICE_PFWD) == 0)
        {
          self->client_step = CLIENT_FORWARDING;
          self->forward_index = 0;
          client_send_next_forward (self);
        }
      else
        g_debug ("Device %s: unexpected SERVICE_ACCEPT %s", self->guid, m->service.name);
      break;

    case OB_APF_USERAUTH_SUCCESS:
      if (self->client_step != CLIENT_WAIT_USERAUTH)
        break;
      self->authenticated = TRUE;
      self->client_step = CLIENT_WAIT_PFWD_SERVICE;
      ob_apf_encode_service_request (_ob_apf_session_get_output (self), OB_APF_SERVICE_PFWD);
      _ob_apf_session_schedule_write (self);
      restart_keepalive_timer (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTHENTICATED]);
      g_signal_emit (self, signals[SIGNAL_AUTHENTICATED], 0);
      break;

    case OB_APF_USERAUTH_FAILURE:
      if (self->client_step != CLIENT_WAIT_USERAUTH)
        break;
      close_internal (self, OB_APF_CLOSE_REASON_AUTH_FAILED,
                      g_error_new_literal (OB_APF_ERROR, OB_APF_ERROR_AUTH_FAILED,
                                           "The MPS refused the CIRA user name or password"),
                      FALSE);
      break;

    case OB_APF_REQUEST_SUCCESS:
    case OB_APF_REQUEST_FAILURE:
      if (self->client_step != CLIENT_FORWARDING)
        {
          g_debug ("Device %s: unexpected %s", self->guid, ob_apf_message_type_to_string (m->type));
          break;
        }
      {
        guint port = g_array_index (self->forward_ports, guint, self->forward_index);

        self->forward_index++;
        if (m->type == OB_APF_REQUEST_SUCCESS)
          {
            ports_add (self, port);
            g_signal_emit (self, signals[SIGNAL_PORT_FORWARDED], 0, port);
          }
        else
          g_debug ("Device %s: the MPS refused to forward %u", self->guid, port);
        if (!self->closed)
          client_send_next_forward (self);
      }
      break;

    case OB_APF_KEEPALIVE_OPTIONS_REQUEST:
      out = _ob_apf_session_get_output (self);
      ob_apf_encode_keepalive_options_reply (out, m->keepalive_options.interval, m->keepalive_options.timeout);
      _ob_apf_session_schedule_write (self);
      ob_apf_session_set_keepalive_interval (self, m->keepalive_options.interval);
      break;

    case OB_APF_KEEPALIVE_REQUEST:
      ob_apf_encode_keepalive_reply (_ob_apf_session_get_output (self), m->keepalive.cookie);
      _ob_apf_session_schedule_write (self);
      break;

    case OB_APF_KEEPALIVE_REPLY:
      if (self->keepalive_outstanding && m->keepalive.cookie == self->cookie)
        {
          self->keepalive_outstanding = FALSE;
          self->n_keepalives++;
          self->last_seen = g_get_real_time ();
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SEEN]);
        }
      else
        g_debug ("Device %s: keepalive reply with cookie %u, expected %u", self->guid,
                 m->keepalive.cookie, self->cookie);
      break;

    case OB_APF_CHANNEL_OPEN:
      client_channel_open (self, m);
      break;

    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
    case OB_APF_CHANNEL_OPEN_FAILURE:
    case OB_APF_CHANNEL_WINDOW_ADJUST:
    case OB_APF_CHANNEL_DATA:
    case OB_APF_CHANNEL_CLOSE:
      channel_message (self, m);
      break;

    case OB_APF_GLOBAL_REQUEST:
      if (m->global_request.want_reply)
        {
          ob_apf_encode_request_failure (_ob_apf_session_get_output (self));
          _ob_apf_session_schedule_write (self);
        }
      break;

    case OB_APF_DISCONNECT:
      self->peer_disconnect_reason = m->disconnect.reason;
      close_internal (self, OB_APF_CLOSE_REASON_PEER_DISCONNECT,
                      g_error_new (OB_APF_ERROR, OB_APF_ERROR_DISCONNECTED, "The MPS disconnected (%s)",
                                   ob_apf_disconnect_reason_to_string (m->disconnect.reason)),
                      FALSE);
      break;

    default:
      /* Meant for a server (some answer with their own PROTOCOLVERSION):
       * a device ignores them. */
      g_debug ("Device %s: %s ignored", self->guid, ob_apf_message_type_to_string (m->type));
      break;
    }
}

static void
handle_server_message (ObApfSession       *self,
                       const ObApfMessage *m)
{
  switch ((guint) m->type)
    {
    case OB_APF_PROTOCOL_VERSION:
      if (self->version_received)
        {
          g_debug ("Session %s: second PROTOCOLVERSION ignored", self->guid);
          break;
        }
      self->version_received = TRUE;
      self->major = m->protocol_version.major;
      self->minor = m->protocol_version.minor;
      self->trigger_reason = m->protocol_version.trigger_reason;
      self->guid = g_strdup (m->protocol_version.guid);
      g_debug ("Session %s: APF %u.%u, trigger %u", self->guid, self->major, self->minor, self->trigger_reason);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUID]);
      g_signal_emit (self, signals[SIGNAL_PROTOCOL_VERSION], 0, self->guid);
      break;

    case OB_APF_SERVICE_REQUEST:
      if (g_strcmp0 (m->service.name, OB_APF_SERVICE_AUTH) == 0
          || g_strcmp0 (m->service.name, OB_APF_SERVICE_PFWD) == 0)
        {
          ob_apf_encode_service_accept (_ob_apf_session_get_output (self), m->service.name);
          _ob_apf_session_schedule_write (self);
        }
      else
        g_debug ("Session %s: SERVICE_REQUEST %s ignored", self->guid, m->service.name);
      break;

    case OB_APF_USERAUTH_REQUEST:
      server_userauth (self, m);
      break;

    case OB_APF_GLOBAL_REQUEST:
      server_global_request (self, m);
      break;

    case OB_APF_CHANNEL_OPEN:
      /* Device-initiated channels (eventing) are not supported, as in the
       * reference. */
      refuse_channel (self, m->channel_open.sender_channel, OB_APF_OPEN_FAILURE_UNKNOWN_CHANNEL_TYPE);
      break;

    case OB_APF_CHANNEL_OPEN_CONFIRMATION:
    case OB_APF_CHANNEL_OPEN_FAILURE:
    case OB_APF_CHANNEL_WINDOW_ADJUST:
    case OB_APF_CHANNEL_DATA:
    case OB_APF_CHANNEL_CLOSE:
      channel_message (self, m);
      break;

    case OB_APF_KEEPALIVE_REQUEST:
      ob_apf_encode_keepalive_reply (_ob_apf_session_get_output (self), m->keepalive.cookie);
      _ob_apf_session_schedule_write (self);
      self->n_keepalives++;
      if (self->authenticated)
        {
          self->last_seen = g_get_real_time ();
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SEEN]);
        }
      break;

    case OB_APF_KEEPALIVE_REPLY:
      break;

    case OB_APF_KEEPALIVE_OPTIONS_REPLY:
      g_debug ("Session %s: keepalive options reply, interval %u, timeout %u", self->guid,
               m->keepalive_options.interval, m->keepalive_options.timeout);
      break;

    case OB_APF_DISCONNECT:
      self->peer_disconnect_reason = m->disconnect.reason;
      close_internal (self, OB_APF_CLOSE_REASON_PEER_DISCONNECT,
                      g_error_new (OB_APF_ERROR, OB_APF_ERROR_DISCONNECTED, "The device disconnected (%s)",
                                   ob_apf_disconnect_reason_to_string (m->disconnect.reason)),
                      FALSE);
      break;

    default:
      /* What only a server sends (as the reference, which knows no handler
       * for them). */
      protocol_error (self, g_error_new (OB_APF_ERROR, OB_APF_ERROR_PROTOCOL,
                                         "Unexpected APF message %s from the device",
                                         ob_apf_message_type_to_string (m->type)));
      break;
    }
}

/* ---- input ---------------------------------------------------------------------------------- */

/* Client role, waiting for the answer to a tcpip-forward: some MPSs echo
 * the port in REQUEST_SUCCESS (the reference), others send the bare
 * message.  A port is at most 65535, so its first byte is 0, and no APF
 * type is 0: a non-zero byte after the type starts the next message.  A
 * lone type byte at the end of what has arrived is the bare form (the
 * MPS writes each message whole and waits for our next request). */
static ObApfDecodeFlags
decode_flags (ObApfSession *self,
              const guint8 *data,
              gsize         len)
{
  if (self->role != OB_APF_SESSION_ROLE_CLIENT || self->client_step != CLIENT_FORWARDING
      || len == 0 || data[0] != OB_APF_REQUEST_SUCCESS)
    return OB_APF_DECODE_FLAGS_NONE;
  if (len == 1 || data[1] != 0)
    return OB_APF_DECODE_FLAGS_BARE_REQUEST_SUCCESS;
  return OB_APF_DECODE_FLAGS_NONE;
}

static void
process_input (ObApfSession *self,
               const guint8 *data,
               gsize         len)
{
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));
  const guint8 *buf;
  gsize avail, off = 0;
  gboolean from_inbuf = FALSE;

  if (len > 0)
    self->last_activity = g_get_monotonic_time ();

  if (self->inbuf != NULL && self->inbuf->len > 0)
    {
      if (len > 0)
        g_byte_array_append (self->inbuf, data, (guint) len);
      buf = self->inbuf->data;
      avail = self->inbuf->len;
      from_inbuf = TRUE;
    }
  else
    {
      buf = data;
      avail = len;
    }

  self->processing = TRUE;
  while (!self->closed && !self->paused && !output_full (self) && off < avail)
    {
      g_auto(ObApfMessage) m = { 0 };
      g_autoptr(GError) error = NULL;
      gsize used = 0;
      ObApfDecodeStatus status;

      status = ob_apf_message_decode_full (buf + off, avail - off, decode_flags (self, buf + off, avail - off),
                                           &m, &used, &error);
      if (status == OB_APF_DECODE_NEED_MORE)
        break;
      if (status == OB_APF_DECODE_ERROR)
        {
          protocol_error (self, g_steal_pointer (&error));
          break;
        }
      off += used;

      if (self->role == OB_APF_SESSION_ROLE_SERVER)
        handle_server_message (self, &m);
      else
        handle_client_message (self, &m);
    }
  self->processing = FALSE;

  write_now (self);

  if (self->closed)
    g_clear_pointer (&self->inbuf, g_byte_array_unref);
  else if (from_inbuf)
    {
      g_byte_array_remove_range (self->inbuf, 0, (guint) off);
      if (self->inbuf->len == 0)
        g_clear_pointer (&self->inbuf, g_byte_array_unref);
    }
  else if (off < avail)
    {
      self->inbuf = g_byte_array_sized_new ((guint) (avail - off));
      g_byte_array_append (self->inbuf, buf + off, (guint) (avail - off));
    }

  /* Read on unless paused or held back by output (an authenticator that
   * answered inside the loop un-paused us). */
  if (output_full (self))
    stop_reading (self);
  else if (!self->closed && !self->paused)
    start_reading (self);
}

static void
input_ended (ObApfSession *self,
             GError       *error)
{
  if (error == NULL)
    close_internal (self, OB_APF_CLOSE_REASON_PEER_CLOSED,
                    g_error_new_literal (OB_APF_ERROR, OB_APF_ERROR_CLOSED, "The peer closed the CIRA connection"),
                    FALSE);
  else
    io_failed (self, error);
}

static gboolean
on_readable (GObject  *stream,
             gpointer  user_data)
{
  ObApfSession *self = user_data;
  guint8 buffer[READ_CHUNK];
  GError *error = NULL;
  gssize n;

  n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->input), buffer,
                                                sizeof buffer, NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      return G_SOURCE_CONTINUE;
    }
  if (n <= 0)
    {
      clear_source (&self->read_source);
      input_ended (self, error);
      return G_SOURCE_REMOVE;
    }

  process_input (self, buffer, (gsize) n);
  /* Closing or pausing destroyed the source already. */
  return self->read_source != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The poller's watch: read until the TLS layer would block (level-
 * triggered epoll sees the socket, not what TLS already decrypted), a
 * bounded number of times, then let the others have their turn. */
static void
poll_readable (gpointer user_data)
{
  ObApfSession *self = user_data;
  g_autoptr(GObject) hold G_GNUC_UNUSED = g_object_ref (G_OBJECT (self));

  for (guint i = 0; i < POLL_READS_PER_WAKEUP; i++)
    {
      guint8 buffer[READ_CHUNK];
      GError *error = NULL;
      gssize n;

      if (self->closed || !is_reading (self))
        return;

      n = g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (self->input), buffer,
                                                    sizeof buffer, NULL, &error);
      if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_error_free (error);
          return;
        }
      if (n <= 0)
        {
          stop_reading (self);
          input_ended (self, error);
          return;
        }
      process_input (self, buffer, (gsize) n);
    }

  /* More may be waiting inside TLS: come back after the others. */
  if (!self->closed && is_reading (self))
    schedule_resume (self);
}

static void
on_read_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObApfSession) self = user_data;
  g_autofree guint8 *buffer = g_steal_pointer (&self->read_buffer);
  GError *error = NULL;
  gssize n;

  self->read_pending = FALSE;
  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (self->closed)
    {
      g_clear_error (&error);
      if (!self->closing)
        close_stream (self);
      return;
    }
  if (n <= 0)
    {
      input_ended (self, error);
      return;
    }

  process_input (self, buffer, (gsize) n);
  if (!self->closed && !self->paused)
    start_reading (self);
}

static void
start_reading (ObApfSession *self)
{
  if (self->closed || self->paused || output_full (self))
    return;

  if (self->poller != NULL)
    {
      if (self->watch == NULL)
        self->watch = ob_poller_watch_new (self->poller, self->poll_fd, poll_readable, self);
      else
        ob_poller_watch_set_enabled (self->watch, TRUE);
    }
  else if (self->pollable)
    {
      if (self->read_source != NULL)
        return;
      self->read_source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (self->input), NULL);
      g_source_set_callback (self->read_source, (GSourceFunc) on_readable, self, NULL);
      g_source_attach (self->read_source, self->context);
    }
  else if (!self->read_pending)
    {
      self->read_pending = TRUE;
      self->read_buffer = g_malloc (READ_CHUNK);
      g_input_stream_read_async (self->input, self->read_buffer, READ_CHUNK, G_PRIORITY_DEFAULT,
                                 self->io_cancellable, on_read_done, g_object_ref (self));
    }
}

/* ---- public API ----------------------------------------------------------------------------- */

static ObApfSession *
session_new (GIOStream        *stream,
             ObApfSessionRole  role,
             const char       *guid)
{
  return g_object_new (OB_TYPE_APF_SESSION,
                       "stream", stream,
                       "role", role,
                       "guid", guid,
                       NULL);
}

ObApfSession *
ob_apf_session_new_server (GIOStream *stream)
{
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  return session_new (stream, OB_APF_SESSION_ROLE_SERVER, NULL);
}

ObApfSession *
ob_apf_session_new_client (GIOStream  *stream,
                           const char *guid,
                           const char *username,
                           const char *password)
{
  ObApfSession *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);
  g_return_val_if_fail (ob_uuid_is_valid (guid), NULL);
  g_return_val_if_fail (is_text_arg (username), NULL);
  g_return_val_if_fail (is_text_arg (password), NULL);

  self = session_new (stream, OB_APF_SESSION_ROLE_CLIENT, guid);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  return self;
}

void
ob_apf_session_set_forward_ports (ObApfSession *self,
                                  const guint  *ports,
                                  gsize         n_ports)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));
  g_return_if_fail (ports != NULL || n_ports == 0);
  g_return_if_fail (!self->started);

  if (self->forward_ports == NULL)
    self->forward_ports = g_array_new (FALSE, FALSE, sizeof (guint));
  g_array_set_size (self->forward_ports, 0);
  for (gsize i = 0; i < n_ports; i++)
    if (ports[i] > 0 && ports[i] <= 65535)
      g_array_append_val (self->forward_ports, ports[i]);
}

void
ob_apf_session_set_poller (ObApfSession *self,
                           ObPoller  *poller,
                           int           fd)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));
  g_return_if_fail (poller != NULL);
  g_return_if_fail (fd >= 0);
  g_return_if_fail (!self->started);
  g_return_if_fail (self->pollable);
  g_return_if_fail (ob_poller_get_context (poller) == self->context);

  g_clear_pointer (&self->poller, ob_poller_unref);
  self->poller = ob_poller_ref (poller);
  self->poll_fd = fd;
}

void
ob_apf_session_set_trigger_reason (ObApfSession *self,
                                   guint32       trigger_reason)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  self->trigger_reason = trigger_reason;
}

void
ob_apf_session_set_authenticator (ObApfSession          *self,
                                  ObApfAuthenticateFunc  func,
                                  gpointer               user_data,
                                  GDestroyNotify         destroy)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->auth_destroy != NULL)
    self->auth_destroy (self->auth_data);
  self->auth_func = func;
  self->auth_data = user_data;
  self->auth_destroy = destroy;
}

void
ob_apf_session_set_channel_handler (ObApfSession     *self,
                                    ObApfChannelFunc  func,
                                    gpointer          user_data,
                                    GDestroyNotify    destroy)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->channel_destroy != NULL)
    self->channel_destroy (self->channel_data);
  self->channel_func = func;
  self->channel_data = user_data;
  self->channel_destroy = destroy;
}

void
ob_apf_session_start (ObApfSession *self)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->started || self->closed)
    return;
  self->started = TRUE;
  self->last_activity = g_get_monotonic_time ();

  if (!self->pollable && self->io_cancellable == NULL)
    self->io_cancellable = g_cancellable_new ();

  restart_idle_timer (self);
  if (self->role == OB_APF_SESSION_ROLE_SERVER && self->handshake_timeout_ms > 0)
    arm_handshake_timer (self, self->handshake_timeout_ms);
  if (self->role == OB_APF_SESSION_ROLE_CLIENT)
    client_start (self);
  start_reading (self);
  /* The stream may hold bytes the socket no longer shows (a TLS layer
   * that received them with the end of its handshake), which the
   * poller's watch would never report: read once from the loop. */
  if (self->poller != NULL)
    schedule_resume (self);
}

void
ob_apf_session_open_channel_async (ObApfSession        *self,
                                   guint                port,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ObApfChannelCore *core;
  guint32 id;
  guint32 source_port;

  g_return_if_fail (OB_IS_APF_SESSION (self));
  g_return_if_fail (port > 0 && port <= 65535);
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_apf_session_open_channel_async);

  if (g_task_return_error_if_cancelled (task))
    return;
  if (self->role != OB_APF_SESSION_ROLE_SERVER)
    {
      g_task_return_new_error (task, OB_APF_ERROR, OB_APF_ERROR_NOT_SUPPORTED,
                               "Only the MPS side opens channels");
      return;
    }
  if (self->closed)
    {
      g_task_return_new_error (task, OB_APF_ERROR, OB_APF_ERROR_CLOSED,
                               "The device's CIRA connection is closed");
      return;
    }
  if (!self->authenticated)
    {
      g_task_return_new_error (task, OB_APF_ERROR, OB_APF_ERROR_NOT_AUTHENTICATED,
                               "The device has not authenticated its CIRA connection yet");
      return;
    }
  if (n_channels (self) >= self->max_channels)
    {
      g_task_return_new_error (task, OB_APF_ERROR, OB_APF_ERROR_TOO_MANY_CHANNELS,
                               "Too many channels open to the device (at most %u)", self->max_channels);
      return;
    }

  id = allocate_channel_id (self);
  core = _ob_apf_channel_core_new (self, id, port, self->window_size, self->max_channel_buffer);
  add_channel (self, id, core);

  source_port = (self->next_source_port++ % 30000) + 1024;
  ob_apf_encode_channel_open (_ob_apf_session_get_output (self), OB_APF_CHANNEL_FORWARDED_TCPIP, id,
                              self->window_size, 0xffffffff, "", port, ORIGINATOR_ADDRESS, source_port);
  _ob_apf_session_schedule_write (self);
  _ob_apf_channel_core_start_open (core, task, self->open_timeout_ms);
}

ObApfChannel *
ob_apf_session_open_channel_finish (ObApfSession  *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ob_apf_session_open_channel_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

guint
ob_apf_session_get_n_channels (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return n_channels (self);
}

/* ObStreamSource: a channel per stream. */
static void
ob_apf_session_open_stream_async (ObStreamSource      *source,
                                  guint                port,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  ob_apf_session_open_channel_async (OB_APF_SESSION (source), port, cancellable, callback, user_data);
}

static GIOStream *
ob_apf_session_open_stream_finish (ObStreamSource  *source,
                                   GAsyncResult    *result,
                                   GError         **error)
{
  return G_IO_STREAM (ob_apf_session_open_channel_finish (OB_APF_SESSION (source), result, error));
}

static void
ob_apf_session_stream_source_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = ob_apf_session_open_stream_async;
  iface->open_stream_finish = ob_apf_session_open_stream_finish;
}

ObApfSessionRole
ob_apf_session_get_role (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), OB_APF_SESSION_ROLE_SERVER);

  return self->role;
}

GIOStream *
ob_apf_session_get_stream (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);

  return self->stream;
}

const char *
ob_apf_session_get_guid (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);

  return self->guid;
}

const char *
ob_apf_session_get_username (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);

  return self->username;
}

guint32
ob_apf_session_get_protocol_major (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->major;
}

guint32
ob_apf_session_get_protocol_minor (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->minor;
}

guint32
ob_apf_session_get_trigger_reason (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->trigger_reason;
}

gboolean
ob_apf_session_is_authenticated (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), FALSE);

  return self->authenticated;
}

gboolean
ob_apf_session_is_closed (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), TRUE);

  return self->closed;
}

ObApfCloseReason
ob_apf_session_get_close_reason (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), OB_APF_CLOSE_REASON_NONE);

  return self->close_reason;
}

const GError *
ob_apf_session_get_close_error (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);

  return self->close_error;
}

guint32
ob_apf_session_get_peer_disconnect_reason (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->peer_disconnect_reason;
}

gint64
ob_apf_session_get_last_seen (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->last_seen;
}

guint
ob_apf_session_get_n_keepalives (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->n_keepalives;
}

guint *
ob_apf_session_dup_forwarded_ports (ObApfSession *self,
                                    gsize        *n_ports)
{
  guint *out;

  g_return_val_if_fail (OB_IS_APF_SESSION (self), NULL);

  out = g_new0 (guint, self->n_ports + 1);
  for (guint i = 0; i < self->n_ports; i++)
    out[i] = self->ports[i];
  if (n_ports != NULL)
    *n_ports = self->n_ports;
  return out;
}

gboolean
ob_apf_session_has_forwarded_port (ObApfSession *self,
                                   guint         port)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), FALSE);

  return ports_contain (self, port);
}

void
ob_apf_session_set_keepalive_interval (ObApfSession *self,
                                       guint         seconds)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->keepalive_interval == seconds)
    return;
  self->keepalive_interval = seconds;
  if (timer_is_armed (self->keepalive_timer) || self->authenticated)
    restart_keepalive_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEEPALIVE_INTERVAL]);
}

guint
ob_apf_session_get_keepalive_interval (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->keepalive_interval;
}

void
ob_apf_session_set_idle_timeout_ms (ObApfSession *self,
                                    guint         timeout_ms)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  if (self->idle_timeout_ms == timeout_ms)
    return;
  self->idle_timeout_ms = timeout_ms;
  restart_idle_timer (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IDLE_TIMEOUT_MS]);
}

guint
ob_apf_session_get_idle_timeout_ms (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->idle_timeout_ms;
}

void
ob_apf_session_set_handshake_timeout_ms (ObApfSession *self,
                                         guint         timeout_ms)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  self->handshake_timeout_ms = timeout_ms;
  if (self->started && !self->closed && self->role == OB_APF_SESSION_ROLE_SERVER && !self->authenticated)
    {
      cancel_handshake_timer (self);
      if (timeout_ms > 0)
        arm_handshake_timer (self, timeout_ms);
    }
}

void
ob_apf_session_set_window_size (ObApfSession *self,
                                guint32       window_size)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  /* Out of range falls back to the default, as the reference does. */
  if (window_size < OB_APF_MIN_WINDOW_SIZE || window_size > OB_APF_MAX_WINDOW_SIZE)
    {
      g_debug ("APF window %u out of range, using %u", window_size, OB_APF_DEFAULT_WINDOW_SIZE);
      window_size = OB_APF_DEFAULT_WINDOW_SIZE;
    }
  if (self->window_size == window_size)
    return;
  self->window_size = window_size;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WINDOW_SIZE]);
}

guint32
ob_apf_session_get_window_size (ObApfSession *self)
{
  g_return_val_if_fail (OB_IS_APF_SESSION (self), 0);

  return self->window_size;
}

void
ob_apf_session_set_max_channels (ObApfSession *self,
                                 guint         max_channels)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  self->max_channels = max_channels;
}

void
ob_apf_session_set_max_channel_buffer (ObApfSession *self,
                                       gsize         max_bytes)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));
  g_return_if_fail (max_bytes > 0);

  self->max_channel_buffer = max_bytes;
}

void
ob_apf_session_set_open_timeout_ms (ObApfSession *self,
                                    guint         timeout_ms)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  self->open_timeout_ms = timeout_ms;
}

void
ob_apf_session_set_max_auth_attempts (ObApfSession *self,
                                      guint         max_attempts)
{
  g_return_if_fail (OB_IS_APF_SESSION (self));

  self->max_auth_attempts = max_attempts;
}

/* ---- GObject ------------------------------------------------------------------------------- */

static void
ob_apf_session_constructed (GObject *object)
{
  ObApfSession *self = OB_APF_SESSION (object);

  G_OBJECT_CLASS (ob_apf_session_parent_class)->constructed (object);

  g_return_if_fail (self->stream != NULL);

  self->input = g_io_stream_get_input_stream (self->stream);
  self->output = g_io_stream_get_output_stream (self->stream);
  self->pollable = G_IS_POLLABLE_INPUT_STREAM (self->input)
                   && g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (self->input))
                   && G_IS_POLLABLE_OUTPUT_STREAM (self->output)
                   && g_pollable_output_stream_can_poll (G_POLLABLE_OUTPUT_STREAM (self->output));
  self->next_channel_id = self->role == OB_APF_SESSION_ROLE_SERVER ? SERVER_FIRST_CHANNEL_ID
                                                                   : CLIENT_FIRST_CHANNEL_ID;
  /* What AMT asks for, unless told otherwise; a server asks for nothing. */
  if (self->role == OB_APF_SESSION_ROLE_CLIENT && self->forward_ports == NULL)
    {
      self->forward_ports = g_array_sized_new (FALSE, FALSE, sizeof (guint),
                                               G_N_ELEMENTS (amt_forward_ports));
      g_array_append_vals (self->forward_ports, amt_forward_ports, G_N_ELEMENTS (amt_forward_ports));
    }
}

static void
ob_apf_session_dispose (GObject *object)
{
  ObApfSession *self = OB_APF_SESSION (object);

  if (!self->closed)
    close_internal (self, OB_APF_CLOSE_REASON_LOCAL, NULL, FALSE);
  free_poller_items (self);
  clear_source (&self->write_source);
  if (!self->stream_closed && self->stream != NULL && !self->read_pending && !self->write_pending)
    close_stream (self);

  ob_apf_session_set_authenticator (self, NULL, NULL, NULL);
  ob_apf_session_set_channel_handler (self, NULL, NULL, NULL);

  G_OBJECT_CLASS (ob_apf_session_parent_class)->dispose (object);
}

static void
ob_apf_session_finalize (GObject *object)
{
  ObApfSession *self = OB_APF_SESSION (object);

  g_clear_object (&self->stream);
  g_clear_object (&self->io_cancellable);
  free_timers (self);
  g_clear_pointer (&self->poller, ob_poller_unref);
  g_clear_pointer (&self->timer_poller, ob_poller_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->inbuf, g_byte_array_unref);
  g_clear_pointer (&self->outbuf, g_byte_array_unref);
  g_clear_pointer (&self->writing, g_bytes_unref);
  g_clear_pointer (&self->read_buffer, g_free);
  g_clear_pointer (&self->channels, g_hash_table_unref);
  g_clear_pointer (&self->forward_ports, g_array_unref);
  g_free (self->ports);
  g_clear_error (&self->close_error);
  g_free (self->guid);
  g_free (self->username);
  ob_secure_free_string (self->password);

  G_OBJECT_CLASS (ob_apf_session_parent_class)->finalize (object);
}

static void
ob_apf_session_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ObApfSession *self = OB_APF_SESSION (object);

  switch (prop_id)
    {
    case PROP_STREAM:
      g_value_set_object (value, self->stream);
      break;
    case PROP_ROLE:
      g_value_set_enum (value, self->role);
      break;
    case PROP_GUID:
      g_value_set_string (value, self->guid);
      break;
    case PROP_AUTHENTICATED:
      g_value_set_boolean (value, self->authenticated);
      break;
    case PROP_CLOSED:
      g_value_set_boolean (value, self->closed);
      break;
    case PROP_LAST_SEEN:
      g_value_set_int64 (value, self->last_seen);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    case PROP_IDLE_TIMEOUT_MS:
      g_value_set_uint (value, self->idle_timeout_ms);
      break;
    case PROP_WINDOW_SIZE:
      g_value_set_uint (value, self->window_size);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_apf_session_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ObApfSession *self = OB_APF_SESSION (object);

  switch (prop_id)
    {
    case PROP_STREAM:
      self->stream = g_value_dup_object (value);
      break;
    case PROP_ROLE:
      self->role = g_value_get_enum (value);
      break;
    case PROP_GUID:
      g_free (self->guid);
      self->guid = g_value_dup_string (value);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      ob_apf_session_set_keepalive_interval (self, g_value_get_uint (value));
      break;
    case PROP_IDLE_TIMEOUT_MS:
      ob_apf_session_set_idle_timeout_ms (self, g_value_get_uint (value));
      break;
    case PROP_WINDOW_SIZE:
      ob_apf_session_set_window_size (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_apf_session_class_init (ObApfSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ob_apf_session_constructed;
  object_class->dispose = ob_apf_session_dispose;
  object_class->finalize = ob_apf_session_finalize;
  object_class->get_property = ob_apf_session_get_property;
  object_class->set_property = ob_apf_session_set_property;

  properties[PROP_STREAM] =
    g_param_spec_object ("stream", NULL, NULL, G_TYPE_IO_STREAM,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_enum ("role", NULL, NULL, OB_TYPE_APF_SESSION_ROLE, OB_APF_SESSION_ROLE_SERVER,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_GUID] =
    g_param_spec_string ("guid", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTHENTICATED] =
    g_param_spec_boolean ("authenticated", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CLOSED] =
    g_param_spec_boolean ("closed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SEEN] =
    g_param_spec_int64 ("last-seen", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, G_MAXUINT32, OB_APF_DEFAULT_KEEPALIVE_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_IDLE_TIMEOUT_MS] =
    g_param_spec_uint ("idle-timeout-ms", NULL, NULL, 0, G_MAXUINT, OB_APF_DEFAULT_IDLE_TIMEOUT_MS,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_WINDOW_SIZE] =
    g_param_spec_uint ("window-size", NULL, NULL, 0, G_MAXUINT32, OB_APF_DEFAULT_WINDOW_SIZE,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PROTOCOL_VERSION] =
    g_signal_new ("protocol-version", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_AUTHENTICATED] =
    g_signal_new ("authenticated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_PORT_FORWARDED] =
    g_signal_new ("port-forwarded", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_PORT_CANCELLED] =
    g_signal_new ("port-cancelled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, OB_TYPE_APF_CLOSE_REASON, G_TYPE_ERROR);
}

static void
ob_apf_session_init (ObApfSession *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->trigger_reason = OB_APF_TRIGGER_PERIODIC;
  self->keepalive_interval = OB_APF_DEFAULT_KEEPALIVE_INTERVAL;
  self->idle_timeout_ms = OB_APF_DEFAULT_IDLE_TIMEOUT_MS;
  self->handshake_timeout_ms = OB_APF_DEFAULT_HANDSHAKE_TIMEOUT_MS;
  self->open_timeout_ms = OB_APF_DEFAULT_OPEN_TIMEOUT_MS;
  self->window_size = OB_APF_DEFAULT_WINDOW_SIZE;
  self->max_channels = OB_APF_DEFAULT_MAX_CHANNELS;
  self->max_channel_buffer = OB_APF_DEFAULT_MAX_CHANNEL_BUFFER;
  self->max_auth_attempts = OB_APF_DEFAULT_MAX_AUTH_ATTEMPTS;
}
