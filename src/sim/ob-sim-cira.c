/* ob-sim-cira.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "ob-apf-message.h"
#include "ob-sim-cira.h"
#include "ob-tls-stream.h"
#include "ob-util.h"

/* Connected, the device gives up after this many keepalive intervals
 * without an answer; during the handshake, after 90 s of silence (the
 * MPS's own idle limit). */
#define IDLE_KEEPALIVES 3
#define HANDSHAKE_IDLE_SECONDS 90
/* Garbage-after-auth: sent once the ports are forwarded, or this long
 * after authentication if some port was refused. */
#define GARBAGE_FALLBACK_MS 2000
#define GARBAGE_LENGTH      64

static const guint amt_ports[] = { 16993, 16992, 664, 623, 16995, 16994, 5900 };

struct _ObSimCira
{
  GObject           parent_instance;

  GMainContext     *context;
  ObSimCiraPool    *pool;
  ObSimDevice      *device;
  ObSimWsmanServer *server;
  ObSimRedirServer *redir;
  char             *username;
  char             *password;

  ObSimCiraState    state;
  char             *last_error;
  guint             n_attempts;
  guint             n_connects;
  guint             failures;        /* since the last good connection */

  GCancellable     *cancellable;     /* the current attempt */
  ObApfSession     *session;
  GIOStream        *fault_stream;    /* a pre-authentication fault connection */
  struct _FaultIo  *fault_io;        /* its I/O in flight */
  /* Timers on the pool's poller (made on first use): thousands of
   * devices waiting to reconnect cost the main loop no source each. */
  ObPollerTimer    *retry_timer;
  gint64            retry_at;        /* monotonic */
  ObPollerTimer    *churn_timer;
  ObPollerTimer    *fault_timer;     /* hold, or garbage fallback */
  GSource          *watchdog;        /* connected, off the poller: are keepalives answered? */
  gint64            alive_since;     /* real time of authentication */

  guint            *ports;           /* NULL: AMT's */
  gsize             n_ports;
  guint             keepalive_override;
  guint             backoff_initial_ms;
  guint             backoff_max_ms;
  double            churn_rate;
  ObSimCiraFault    fault;
  ObSimCiraFault    current_fault;   /* of this connection */
  guint             fault_hold_ms;
  guint32           window_size;

  guint             running : 1;
  guint             dropping : 1;
  guint             silent : 1;         /* keepalives went unanswered */
  guint             on_poller : 1;      /* the session runs on the pool's poller */
  guint             garbage_sent : 1;
};

G_DEFINE_FINAL_TYPE (ObSimCira, ob_sim_cira, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ObSimCiraState, ob_sim_cira_state,
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_STATE_STOPPED, "stopped"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_STATE_CONNECTED, "connected"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_STATE_DISCONNECTED, "disconnected"))

G_DEFINE_ENUM_TYPE (ObSimCiraFault, ob_sim_cira_fault,
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_TRUNCATED, "truncated"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_OVERSIZED, "oversized"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_UNKNOWN_TYPE, "unknown-type"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH, "garbage-after-auth"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CIRA_FAULT_RANDOM, "random"))

enum
{
  PROP_0,
  PROP_STATE,
  PROP_LAST_ERROR,
  PROP_N_CONNECTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_CONNECTED,
  SIGNAL_DISCONNECTED,
  SIGNAL_CHANNEL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void attempt (ObSimCira *self);

const char *
ob_sim_cira_fault_to_string (ObSimCiraFault fault)
{
  GEnumClass *klass = g_type_class_ref (OB_TYPE_SIM_CIRA_FAULT);
  GEnumValue *value = g_enum_get_value (klass, fault);

  g_type_class_unref (klass);
  return value != NULL ? value->value_nick : "unknown";
}

gboolean
ob_sim_cira_fault_from_string (const char     *name,
                               ObSimCiraFault *fault)
{
  GEnumClass *klass;
  GEnumValue *value;

  g_return_val_if_fail (fault != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  klass = g_type_class_ref (OB_TYPE_SIM_CIRA_FAULT);
  value = g_enum_get_value_by_nick (klass, name);
  g_type_class_unref (klass);
  if (value == NULL)
    return FALSE;
  *fault = value->value;
  return TRUE;
}

/* ---- helpers ------------------------------------------------------------------ */

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* Run @func in @ms milliseconds on @timer, replacing its earlier
 * schedule (and its function). */
static void
schedule_timer (ObSimCira      *self,
                ObPollerTimer **timer,
                guint           ms,
                ObPollerFunc    func)
{
  g_clear_pointer (timer, ob_poller_timer_free);
  *timer = ob_poller_timer_new (ob_sim_cira_pool_get_poller (self->pool), func, self);
  ob_poller_timer_schedule (*timer, g_get_monotonic_time () + (gint64) ms * 1000);
}

static void
cancel_timer (ObPollerTimer **timer)
{
  if (*timer != NULL)
    ob_poller_timer_cancel (*timer);
}

static void
set_state (ObSimCira      *self,
           ObSimCiraState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_last_error (ObSimCira  *self,
                const char *message)
{
  if (g_strcmp0 (self->last_error, message) == 0)
    return;
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_ERROR]);
}

static const guint *
forward_ports (ObSimCira *self,
               gsize     *n_ports)
{
  if (self->ports != NULL)
    {
      *n_ports = self->n_ports;
      return self->ports;
    }
  *n_ports = G_N_ELEMENTS (amt_ports);
  return amt_ports;
}

/* Shut the TCP connection under a TLS stream down at once, as a cable
 * pulled or a router reset would: no close_notify, no APF DISCONNECT. */
static void
shutdown_transport (GIOStream *stream)
{
  GSocket *socket = NULL;

  if (OB_IS_TLS_STREAM (stream))
    socket = ob_tls_stream_get_socket (OB_TLS_STREAM (stream));
  else if (G_IS_SOCKET_CONNECTION (stream))
    socket = g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream));
  if (socket != NULL)
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
}

/* ---- reconnecting ----------------------------------------------------------------- */

static void
on_retry (gpointer user_data)
{
  ObSimCira *self = user_data;

  if (self->running)
    attempt (self);
}

/* Exponential backoff with "equal jitter": half the delay is fixed, half
 * random, so a fleet that lost its MPS at once comes back spread out. */
static guint
next_delay_ms (ObSimCira *self)
{
  guint exponent = self->failures > 0 ? MIN (self->failures - 1, 20) : 0;
  guint64 base = (guint64) self->backoff_initial_ms << exponent;
  guint half;

  base = MIN (base, (guint64) self->backoff_max_ms);
  base = MAX (base, 1);
  half = (guint) (base / 2);
  return half + (guint) g_random_int_range (0, (gint32) (base - half) + 1);
}

static void
schedule_retry (ObSimCira *self)
{
  guint delay = next_delay_ms (self);

  self->retry_at = g_get_monotonic_time () + (gint64) delay * 1000;
  if (self->retry_timer == NULL)
    self->retry_timer = ob_poller_timer_new (ob_sim_cira_pool_get_poller (self->pool), on_retry, self);
  ob_poller_timer_schedule (self->retry_timer, self->retry_at);
}

/* A connection or an attempt ended.  @good: the MPS authenticated it
 * (and no fault was sent), so the backoff starts over. */
static void
connection_ended (ObSimCira  *self,
                  const char *message,
                  gboolean    good)
{
  g_autoptr(GObject) hold = g_object_ref (G_OBJECT (self));

  cancel_timer (&self->churn_timer);
  cancel_timer (&self->fault_timer);
  clear_source (&self->watchdog);
  g_clear_object (&self->cancellable);

  if (good)
    self->failures = 0;
  else
    self->failures++;
  set_last_error (self, message);
  g_debug ("Device %s: CIRA connection ended: %s", ob_sim_device_get_guid (self->device), message);

  if (self->running)
    {
      set_state (self, OB_SIM_CIRA_STATE_DISCONNECTED);
      schedule_retry (self);
    }
  else
    set_state (self, OB_SIM_CIRA_STATE_STOPPED);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, message);
}

/* ---- churn ------------------------------------------------------------------------- */

static void
on_churn (gpointer user_data)
{
  ob_sim_cira_drop (user_data);
}

static void
schedule_churn (ObSimCira *self)
{
  double u, seconds;
  guint ms;

  cancel_timer (&self->churn_timer);
  if (self->churn_rate <= 0 || self->state != OB_SIM_CIRA_STATE_CONNECTED)
    return;
  /* Exponentially distributed: drops form a Poisson process. */
  u = g_random_double ();
  if (u <= 0)
    u = G_MINDOUBLE;
  seconds = -log (u) * 60.0 / self->churn_rate;
  ms = (guint) CLAMP (seconds * 1000.0, 1.0, (double) G_MAXINT32);
  schedule_timer (self, &self->churn_timer, ms, on_churn);
}

/* ---- faults ------------------------------------------------------------------------- */

/* The bytes a pre-authentication fault sends. */
static GBytes *
fault_bytes (ObSimCiraFault  fault,
             const char     *guid)
{
  /* Type values APF does not define (nor MeshCentral's 250). */
  static const guint8 unknown_types[] = { 0, 2, 3, 4, 7, 8, 20, 49, 53, 60, 83, 89, 95, 96, 98, 100,
                                          150, 191, 193, 200, 207, 212, 255 };
  g_autoptr(GByteArray) out = g_byte_array_new ();

  ob_apf_encode_protocol_version (out, 1, 0, OB_APF_TRIGGER_PERIODIC, guid);
  switch (fault)
    {
    case OB_SIM_CIRA_FAULT_TRUNCATED:
      g_byte_array_set_size (out, (guint) g_random_int_range (1, OB_APF_PROTOCOL_VERSION_SIZE));
      break;

    case OB_SIM_CIRA_FAULT_OVERSIZED:
      {
        static const guint8 head[] = { OB_APF_SERVICE_REQUEST, 0x7f, 0xff, 0xff, 0xff };

        g_byte_array_append (out, head, sizeof head);
        g_byte_array_append (out, (const guint8 *) OB_APF_SERVICE_AUTH, strlen (OB_APF_SERVICE_AUTH));
      }
      break;

    case OB_SIM_CIRA_FAULT_UNKNOWN_TYPE:
      {
        guint8 msg[9] = { 0, 0, 0, 0, 4, 'j', 'u', 'n', 'k' };

        msg[0] = unknown_types[g_random_int_range (0, G_N_ELEMENTS (unknown_types))];
        g_byte_array_append (out, msg, sizeof msg);
      }
      break;

    case OB_SIM_CIRA_FAULT_NONE:
    case OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH:
    case OB_SIM_CIRA_FAULT_RANDOM:
    default:
      g_assert_not_reached ();
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

/* One pre-authentication fault connection: write, then read (and drop)
 * until the MPS closes.  @self is not a reference: a stopped or disposed
 * device detaches it (the I/O in flight comes back cancelled and frees
 * it), so a fault connection never keeps a device alive. */
typedef struct _FaultIo
{
  ObSimCira *self;
  GIOStream *stream;
  GBytes    *bytes;
  guint8     buffer[256];
} FaultIo;

static void
fault_io_free (FaultIo *io)
{
  g_io_stream_close_async (io->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_object_unref (io->stream);
  g_bytes_unref (io->bytes);
  g_free (io);
}

static void
fault_detach (ObSimCira *self)
{
  if (self->fault_io == NULL)
    return;
  self->fault_io->self = NULL;
  self->fault_io = NULL;
  /* The pending read or write comes back cancelled and frees it. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

static void
fault_end (ObSimCira  *self,
           const char *message)
{
  if (self->fault_stream == NULL)
    return;
  fault_detach (self);
  g_clear_object (&self->fault_stream);
  connection_ended (self, message, FALSE);
}

static void fault_read (FaultIo *io);

static void
on_fault_read (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  FaultIo *io = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (io->self == NULL)
    {
      fault_io_free (io);
      return;
    }
  if (n > 0)
    {
      fault_read (io);
      return;
    }
  if (n == 0)
    fault_end (io->self, "Fault sent; the MPS closed the connection");
  else
    {
      g_autofree char *message = g_strdup_printf ("Fault sent; the MPS dropped the connection (%s)",
                                                  error->message);
      fault_end (io->self, message);
    }
  fault_io_free (io);
}

static void
fault_read (FaultIo *io)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (io->stream), io->buffer, sizeof io->buffer,
                             G_PRIORITY_DEFAULT, io->self->cancellable, on_fault_read, io);
}

static void
on_fault_hold (gpointer user_data)
{
  ObSimCira *self = user_data;

  if (self->session != NULL)
    /* Garbage after authentication that the MPS let pass. */
    ob_apf_session_close (self->session, OB_APF_CLOSE_REASON_LOCAL);
  else
    fault_end (self, "Fault sent; the MPS kept the connection open, closed it");
}

static void
on_fault_written (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FaultIo *io = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error);

  if (io->self == NULL)
    {
      fault_io_free (io);
      return;
    }
  if (!ok)
    {
      g_autofree char *message = g_strdup_printf ("Sending the fault failed: %s", error->message);

      fault_end (io->self, message);
      fault_io_free (io);
      return;
    }
  schedule_timer (io->self, &io->self->fault_timer, io->self->fault_hold_ms, on_fault_hold);
  fault_read (io);
}

static void
fault_begin (ObSimCira *self,
             GIOStream *stream)
{
  FaultIo *io = g_new0 (FaultIo, 1);
  gsize len;
  gconstpointer data;

  io->self = self;
  io->stream = g_object_ref (stream);
  io->bytes = fault_bytes (self->current_fault, ob_sim_device_get_guid (self->device));
  self->fault_stream = g_object_ref (stream);
  self->fault_io = io;
  data = g_bytes_get_data (io->bytes, &len);
  g_debug ("Device %s: sending fault %s (%zu bytes)", ob_sim_device_get_guid (self->device),
           ob_sim_cira_fault_to_string (self->current_fault), len);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), data, len, G_PRIORITY_DEFAULT,
                                   self->cancellable, on_fault_written, io);
}

/* Garbage after authentication: written straight to the TLS stream,
 * between whole messages of the session (its writes are non-blocking and
 * whole-message too). */
static void
on_send_garbage (gpointer user_data)
{
  ObSimCira *self = user_data;
  guint8 garbage[GARBAGE_LENGTH];
  GOutputStream *output;
  g_autoptr(GError) error = NULL;
  gssize n;

  cancel_timer (&self->fault_timer);
  if (self->session == NULL || self->garbage_sent || ob_apf_session_is_closed (self->session))
    return;

  /* A zero type byte: no APF message starts like this. */
  garbage[0] = 0;
  for (gsize i = 1; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_random_int_range (0, 256);

  output = g_io_stream_get_output_stream (ob_apf_session_get_stream (self->session));
  n = g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), garbage, sizeof garbage,
                                                  NULL, &error);
  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      schedule_timer (self, &self->fault_timer, 50, on_send_garbage);
      return;
    }
  if (n < 0)
    {
      g_debug ("Device %s: garbage not sent: %s", ob_sim_device_get_guid (self->device), error->message);
      return;
    }
  self->garbage_sent = TRUE;
  g_debug ("Device %s: sent %zd bytes of garbage", ob_sim_device_get_guid (self->device), n);
  /* Now wait for the MPS to close; if it does not, leave ourselves. */
  schedule_timer (self, &self->fault_timer, self->fault_hold_ms, on_fault_hold);
}

/* ---- the APF session ------------------------------------------------------------------ */

/* Connected: an MPS that stopped answering keepalives is gone.  A
 * whole-second timer, like the session's keepalive timer, so GLib wakes
 * up once a second for all of a thread's devices, not once per device
 * (the session's own millisecond idle timer would). */
static gboolean
on_watchdog (gpointer user_data)
{
  ObSimCira *self = user_data;
  guint interval;
  gint64 last;

  if (self->session == NULL)
    return G_SOURCE_CONTINUE;
  interval = ob_apf_session_get_keepalive_interval (self->session);
  last = MAX (self->alive_since, ob_apf_session_get_last_seen (self->session));
  if (interval > 0 && g_get_real_time () - last > (gint64) interval * IDLE_KEEPALIVES * G_USEC_PER_SEC)
    {
      self->silent = TRUE;
      ob_apf_session_close (self->session, OB_APF_CLOSE_REASON_IDLE_TIMEOUT);
    }
  return G_SOURCE_CONTINUE;
}

static void
apply_keepalive (ObSimCira *self)
{
  guint interval;

  if (self->session == NULL)
    return;
  if (self->keepalive_override > 0)
    ob_apf_session_set_keepalive_interval (self->session, self->keepalive_override);
  interval = ob_apf_session_get_keepalive_interval (self->session);

  clear_source (&self->watchdog);
  if (!ob_apf_session_is_authenticated (self->session))
    {
      /* The handshake: the session's timer ends a stalled one. */
      ob_apf_session_set_idle_timeout_ms (self->session, HANDSHAKE_IDLE_SECONDS * 1000);
      return;
    }
  /* Without keepalives there is nothing to time out on.  With a poller
   * (thousands of devices in one process) the session's own idle timer
   * watches: one heap entry, not a GSource per device. */
  if (interval == 0 || self->on_poller)
    {
      ob_apf_session_set_idle_timeout_ms (self->session,
                                          (guint) MIN ((guint64) interval * IDLE_KEEPALIVES * 1000, G_MAXUINT));
      return;
    }
  ob_apf_session_set_idle_timeout_ms (self->session, 0);
  self->watchdog = g_timeout_source_new_seconds (interval);
  g_source_set_callback (self->watchdog, on_watchdog, self, NULL);
  g_source_set_static_name (self->watchdog, "[outband-sim] CIRA keepalive watchdog");
  g_source_attach (self->watchdog, self->context);
}

static void
on_keepalive_interval (ObApfSession *session,
                       GParamSpec   *pspec,
                       gpointer      user_data)
{
  apply_keepalive (user_data);
}

static void
on_authenticated (ObApfSession *session,
                  gpointer      user_data)
{
  ObSimCira *self = user_data;

  if (self->current_fault == OB_SIM_CIRA_FAULT_NONE)
    self->failures = 0;
  self->n_connects++;
  self->alive_since = g_get_real_time ();
  apply_keepalive (self);
  set_state (self, OB_SIM_CIRA_STATE_CONNECTED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_CONNECTS]);
  g_debug ("Device %s: CIRA connection authenticated", ob_sim_device_get_guid (self->device));
  schedule_churn (self);
  if (self->current_fault == OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH)
    schedule_timer (self, &self->fault_timer, GARBAGE_FALLBACK_MS, on_send_garbage);
  g_signal_emit (self, signals[SIGNAL_CONNECTED], 0);
}

static void
on_port_forwarded (ObApfSession *session,
                   guint         port,
                   gpointer      user_data)
{
  ObSimCira *self = user_data;
  gsize n;
  const guint *ports = forward_ports (self, &n);

  /* The last port: the handshake is over.  Send after the session's own
   * output of this batch has gone out. */
  if (self->current_fault == OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH && n > 0 && port == ports[n - 1]
      && !self->garbage_sent)
    schedule_timer (self, &self->fault_timer, 0, on_send_garbage);
}

static void
on_channel (ObApfSession *session,
            ObApfChannel *channel,
            gpointer      user_data)
{
  ObSimCira *self = user_data;
  guint port = ob_apf_channel_get_port (channel);
  gboolean handled = FALSE;

  if (port == OB_SIM_HTTP_PORT)
    {
      ob_sim_wsman_server_serve_stream (self->server, G_IO_STREAM (channel));
      return;
    }
  if (port == OB_SIM_REDIR_PORT && self->redir != NULL)
    {
      ob_sim_redir_server_serve_stream (self->redir, G_IO_STREAM (channel));
      return;
    }
  g_signal_emit (self, signals[SIGNAL_CHANNEL], 0, channel, port, &handled);
  /* Unhandled: our reference is the session's, dropping it closes it. */
  if (!handled)
    g_debug ("Device %s: channel to port %u closed (nothing serves it)",
             ob_sim_device_get_guid (self->device), port);
}

static void
on_session_closed (ObApfSession     *session,
                   ObApfCloseReason  reason,
                   GError           *error,
                   gpointer          user_data)
{
  ObSimCira *self = user_data;
  g_autoptr(ObApfSession) owned = NULL;
  g_autofree char *message = NULL;
  gboolean good;

  if (session != self->session)
    return;
  owned = g_steal_pointer (&self->session);
  g_signal_handlers_disconnect_by_data (owned, self);
  ob_apf_session_set_channel_handler (owned, NULL, NULL, NULL);

  if (self->dropping)
    message = g_strdup ("Connection dropped on purpose (churn)");
  else if (self->silent || (self->on_poller && reason == OB_APF_CLOSE_REASON_IDLE_TIMEOUT &&
                             ob_apf_session_is_authenticated (owned)))
    message = g_strdup ("The MPS stopped answering keepalives");
  else if (self->current_fault == OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH && self->garbage_sent
           && reason == OB_APF_CLOSE_REASON_LOCAL && self->running)
    message = g_strdup ("Fault sent; the MPS kept the connection open, closed it");
  else if (self->current_fault == OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH && self->garbage_sent)
    message = g_strdup_printf ("Fault sent; the MPS ended the connection (%s)",
                               error != NULL ? error->message : ob_apf_close_reason_to_string (reason));
  else
    message = g_strdup (error != NULL ? error->message : ob_apf_close_reason_to_string (reason));
  self->dropping = FALSE;
  self->silent = FALSE;

  good = ob_apf_session_is_authenticated (owned) && self->current_fault == OB_SIM_CIRA_FAULT_NONE;
  connection_ended (self, message, good);
}

static void
session_begin (ObSimCira *self,
               GIOStream *stream)
{
  gsize n;
  const guint *ports = forward_ports (self, &n);

  self->garbage_sent = FALSE;
  self->session = ob_apf_session_new_client (stream, ob_sim_device_get_guid (self->device),
                                             self->username, self->password);
  ob_apf_session_set_forward_ports (self->session, ports, n);
  self->on_poller = FALSE;
  if (OB_IS_TLS_STREAM (stream))
    {
      ob_apf_session_set_poller (self->session, ob_sim_cira_pool_get_poller (self->pool),
                                 g_socket_get_fd (ob_tls_stream_get_socket (OB_TLS_STREAM (stream))));
      self->on_poller = TRUE;
    }
  if (self->window_size != 0)
    ob_apf_session_set_window_size (self->session, self->window_size);
  apply_keepalive (self);
  g_signal_connect (self->session, "authenticated", G_CALLBACK (on_authenticated), self);
  g_signal_connect (self->session, "port-forwarded", G_CALLBACK (on_port_forwarded), self);
  g_signal_connect (self->session, "closed", G_CALLBACK (on_session_closed), self);
  g_signal_connect (self->session, "notify::keepalive-interval", G_CALLBACK (on_keepalive_interval), self);
  ob_apf_session_set_channel_handler (self->session, on_channel, self, NULL);
  ob_apf_session_start (self->session);
}

/* ---- attempts ------------------------------------------------------------------------ */

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ObSimCira) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOStream) stream = NULL;

  stream = ob_sim_cira_pool_connect_finish (OB_SIM_CIRA_POOL (source), result, &error);
  /* An attempt that was stopped (or replaced by a later start): its
   * cancellable is no longer ours, and ob_sim_cira_stop() did the
   * bookkeeping. */
  if (g_task_get_cancellable (G_TASK (result)) != self->cancellable || !self->running)
    {
      if (stream != NULL)
        g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  if (stream == NULL)
    {
      connection_ended (self, error->message, FALSE);
      return;
    }

  self->current_fault = self->fault;
  if (self->current_fault == OB_SIM_CIRA_FAULT_RANDOM)
    self->current_fault = g_random_int_range (OB_SIM_CIRA_FAULT_TRUNCATED, OB_SIM_CIRA_FAULT_RANDOM);

  if (self->current_fault != OB_SIM_CIRA_FAULT_NONE
      && self->current_fault != OB_SIM_CIRA_FAULT_GARBAGE_AFTER_AUTH)
    fault_begin (self, stream);
  else
    session_begin (self, stream);
}

static void
attempt (ObSimCira *self)
{
  cancel_timer (&self->retry_timer);
  self->retry_at = 0;
  self->n_attempts++;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_state (self, OB_SIM_CIRA_STATE_CONNECTING);
  ob_sim_cira_pool_connect_async (self->pool, self->cancellable, on_connected, g_object_ref (self));
}

/* ---- public ------------------------------------------------------------------------------ */

ObSimCira *
ob_sim_cira_new (ObSimCiraPool    *pool,
                 ObSimDevice      *device,
                 ObSimWsmanServer *server,
                 const char       *username,
                 const char       *password)
{
  ObSimCira *self;

  g_return_val_if_fail (OB_IS_SIM_CIRA_POOL (pool), NULL);
  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);
  g_return_val_if_fail (server == NULL || OB_IS_SIM_WSMAN_SERVER (server), NULL);
  g_return_val_if_fail (server == NULL || ob_sim_wsman_server_get_device (server) == device, NULL);
  g_return_val_if_fail (username != NULL && strlen (username) <= OB_APF_MAX_STRING_LENGTH, NULL);
  g_return_val_if_fail (password != NULL && strlen (password) <= OB_APF_MAX_STRING_LENGTH, NULL);

  self = g_object_new (OB_TYPE_SIM_CIRA, NULL);
  self->pool = g_object_ref (pool);
  self->device = g_object_ref (device);
  self->server = server != NULL ? g_object_ref (server) : ob_sim_wsman_server_new (device, NULL, NULL);
  self->username = g_strdup (username);
  self->password = g_strdup (password);
  return self;
}

ObSimDevice *
ob_sim_cira_get_device (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->device;
}

ObSimWsmanServer *
ob_sim_cira_get_wsman_server (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->server;
}

void
ob_sim_cira_set_redir_server (ObSimCira        *self,
                              ObSimRedirServer *redir)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  g_return_if_fail (redir == NULL || OB_IS_SIM_REDIR_SERVER (redir));
  g_set_object (&self->redir, redir);
}

ObSimRedirServer *
ob_sim_cira_get_redir_server (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->redir;
}

ObSimCiraPool *
ob_sim_cira_get_pool (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->pool;
}

void
ob_sim_cira_start (ObSimCira *self)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));

  if (self->running)
    return;
  self->running = TRUE;
  self->failures = 0;
  attempt (self);
}

void
ob_sim_cira_stop (ObSimCira *self)
{
  g_autoptr(GObject) hold = NULL;

  g_return_if_fail (OB_IS_SIM_CIRA (self));

  if (!self->running)
    return;
  hold = g_object_ref (G_OBJECT (self));
  self->running = FALSE;
  cancel_timer (&self->retry_timer);
  self->retry_at = 0;
  cancel_timer (&self->churn_timer);

  if (self->session != NULL)
    {
      /* on_session_closed() ends it. */
      ob_apf_session_close (self->session, OB_APF_CLOSE_REASON_LOCAL);
      return;
    }
  if (self->fault_stream != NULL)
    {
      fault_end (self, "Stopped");
      return;
    }
  /* Connecting or waiting: the attempt comes back cancelled. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_state (self, OB_SIM_CIRA_STATE_STOPPED);
}

void
ob_sim_cira_drop (ObSimCira *self)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));

  if (self->session == NULL || self->state != OB_SIM_CIRA_STATE_CONNECTED)
    return;
  self->dropping = TRUE;
  shutdown_transport (ob_apf_session_get_stream (self->session));
  ob_apf_session_close (self->session, OB_APF_CLOSE_REASON_LOCAL);
}

ObSimCiraState
ob_sim_cira_get_state (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), OB_SIM_CIRA_STATE_STOPPED);
  return self->state;
}

const char *
ob_sim_cira_get_last_error (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->last_error;
}

ObApfSession *
ob_sim_cira_get_session (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), NULL);
  return self->session;
}

guint
ob_sim_cira_get_n_attempts (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), 0);
  return self->n_attempts;
}

guint
ob_sim_cira_get_n_connects (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), 0);
  return self->n_connects;
}

guint
ob_sim_cira_get_retry_delay_ms (ObSimCira *self)
{
  gint64 left;

  g_return_val_if_fail (OB_IS_SIM_CIRA (self), 0);

  if (self->retry_timer == NULL || !ob_poller_timer_is_scheduled (self->retry_timer))
    return 0;
  left = self->retry_at - g_get_monotonic_time ();
  return left > 0 ? (guint) ((left + 999) / 1000) : 0;
}

void
ob_sim_cira_set_forward_ports (ObSimCira   *self,
                               const guint *ports,
                               gsize        n_ports)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  g_return_if_fail (ports != NULL || n_ports == 0);

  g_clear_pointer (&self->ports, g_free);
  self->ports = g_memdup2 (ports, sizeof (guint) * MAX (n_ports, 1));
  self->n_ports = n_ports;
}

void
ob_sim_cira_set_keepalive_interval (ObSimCira *self,
                                    guint      seconds)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));

  self->keepalive_override = seconds;
  apply_keepalive (self);
}

void
ob_sim_cira_set_backoff (ObSimCira *self,
                         guint      initial_ms,
                         guint      max_ms)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));

  if (initial_ms > 0)
    self->backoff_initial_ms = initial_ms;
  if (max_ms > 0)
    self->backoff_max_ms = max_ms;
  self->backoff_max_ms = MAX (self->backoff_max_ms, self->backoff_initial_ms);
}

void
ob_sim_cira_set_churn_rate (ObSimCira *self,
                            double     drops_per_minute)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  g_return_if_fail (drops_per_minute >= 0);

  self->churn_rate = drops_per_minute;
  schedule_churn (self);
}

void
ob_sim_cira_set_fault (ObSimCira      *self,
                       ObSimCiraFault  fault)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  g_return_if_fail (fault <= OB_SIM_CIRA_FAULT_RANDOM);

  self->fault = fault;
}

ObSimCiraFault
ob_sim_cira_get_fault (ObSimCira *self)
{
  g_return_val_if_fail (OB_IS_SIM_CIRA (self), OB_SIM_CIRA_FAULT_NONE);
  return self->fault;
}

void
ob_sim_cira_set_fault_hold_ms (ObSimCira *self,
                               guint      hold_ms)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  self->fault_hold_ms = MAX (hold_ms, 1);
}

void
ob_sim_cira_set_window_size (ObSimCira *self,
                             guint32    window_size)
{
  g_return_if_fail (OB_IS_SIM_CIRA (self));
  self->window_size = window_size;
}

/* ---- GObject ---------------------------------------------------------------------------------- */

static void
ob_sim_cira_dispose (GObject *object)
{
  ObSimCira *self = OB_SIM_CIRA (object);

  /* A running device is kept alive by its attempt or session callbacks
   * only while those hold a reference; stopping here ends what is left. */
  if (self->running)
    ob_sim_cira_stop (self);
  g_clear_pointer (&self->retry_timer, ob_poller_timer_free);
  g_clear_pointer (&self->churn_timer, ob_poller_timer_free);
  g_clear_pointer (&self->fault_timer, ob_poller_timer_free);
  clear_source (&self->watchdog);
  if (self->session != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->session, self);
      ob_apf_session_set_channel_handler (self->session, NULL, NULL, NULL);
      ob_apf_session_close (self->session, OB_APF_CLOSE_REASON_LOCAL);
      g_clear_object (&self->session);
    }
  fault_detach (self);
  g_clear_object (&self->fault_stream);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->server);
  g_clear_object (&self->redir);
  g_clear_object (&self->device);
  g_clear_object (&self->pool);

  G_OBJECT_CLASS (ob_sim_cira_parent_class)->dispose (object);
}

static void
ob_sim_cira_finalize (GObject *object)
{
  ObSimCira *self = OB_SIM_CIRA (object);

  g_free (self->username);
  ob_secure_free_string (self->password);
  g_free (self->last_error);
  g_main_context_unref (self->context);
  g_free (self->ports);

  G_OBJECT_CLASS (ob_sim_cira_parent_class)->finalize (object);
}

static void
ob_sim_cira_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ObSimCira *self = OB_SIM_CIRA (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_N_CONNECTS:
      g_value_set_uint (value, self->n_connects);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sim_cira_class_init (ObSimCiraClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_cira_dispose;
  object_class->finalize = ob_sim_cira_finalize;
  object_class->get_property = ob_sim_cira_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, OB_TYPE_SIM_CIRA_STATE, OB_SIM_CIRA_STATE_STOPPED,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_ERROR] =
    g_param_spec_string ("last-error", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_N_CONNECTS] =
    g_param_spec_uint ("n-connects", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_CONNECTED] =
    g_signal_new ("connected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIGNAL_CHANNEL] =
    g_signal_new ("channel", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  g_signal_accumulator_true_handled, NULL, NULL,
                  G_TYPE_BOOLEAN, 2, OB_TYPE_APF_CHANNEL, G_TYPE_UINT);
}

static void
ob_sim_cira_init (ObSimCira *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->state = OB_SIM_CIRA_STATE_STOPPED;
  self->backoff_initial_ms = OB_SIM_CIRA_DEFAULT_BACKOFF_INITIAL_MS;
  self->backoff_max_ms = OB_SIM_CIRA_DEFAULT_BACKOFF_MAX_MS;
  self->fault_hold_ms = OB_SIM_CIRA_DEFAULT_FAULT_HOLD_MS;
}
