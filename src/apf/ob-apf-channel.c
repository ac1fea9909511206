/* ob-apf-channel.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-apf-channel-input-stream.h"
#include "ob-apf-channel-output-stream.h"
#include "ob-apf-channel-private.h"
#include "ob-apf-message.h"
#include "ob-apf-session-private.h"

/* CHANNEL_DATA we send carries at most this much (any AMT accepts a
 * message up to its window; small messages keep the TLS records even). */
#define MAX_DATA_CHUNK 16384
/* Received data smaller than this is appended to the previous chunk. */
#define SMALL_CHUNK 4096

typedef enum
{
  CORE_OPENING,
  CORE_OPEN,
  CORE_CLOSED,
} CoreState;

/* An asynchronous read or write parked on the core (GIO allows one of
 * each at a time).  It waits with no GSource: the core's state changes
 * wake it through a timer on the session's poller, which also returns
 * the result from the main loop, never inside the caller. */
typedef struct
{
  GTask         *task;              /* made without a cancellable: ours */
  GCancellable  *cancellable;
  gulong         cancel_id;
  gpointer       buffer;            /* the caller's, valid until it returns */
  gsize          count;
  gint64         created;           /* monotonic time, after its task was made */
  gboolean       done;              /* result or error ready to return */
  gssize         result;
  GError        *error;
} PendingIO;

struct _ObApfChannelCore
{
  gint           ref_count;         /* atomic: cancellation may come from any thread */

  ObApfSession  *session;           /* unowned; NULL once detached */
  ObPoller      *poller;            /* the session's; outlives it */
  ObPollerTimer *wake;              /* settles the parked operations */
  guint32        local_id;
  guint32        remote_id;
  guint          port;
  CoreState      state;
  guint32        window;            /* ours */
  gsize          max_buffer;

  /* Opening (server role). */
  GTask         *open_task;
  GCancellable  *open_cancellable;
  gulong         open_cancel_id;
  ObPollerTimer *open_timer;

  /* Receiving: chunks waiting for the reader. */
  GQueue         recv_chunks;       /* GByteArray */
  gsize          recv_offset;       /* into the head chunk */
  gsize          recv_len;
  gsize          recv_high_water;
  guint64        recv_allowance;    /* what the peer may still send */
  guint64        pending_credits;   /* consumed, not yet given back */

  /* Sending. */
  GByteArray    *send_buf;
  guint64        send_credits;

  GError        *error;             /* the session was lost */

  PendingIO      reader;
  PendingIO      writer;
  GQueue         soon;              /* GTask: never waited, answers on the next round */
  gint64         soon_newest;       /* when the last of them was queued */

  guint64        bytes_sent;
  guint64        bytes_received;
  guint          n_adjusts_sent;
  guint          n_adjusts_received;

  guint          input_closed : 1;
  guint          output_closed : 1;
  guint          close_requested : 1;
  guint          close_sent : 1;
  guint          peer_closed : 1;
  guint          trying : 1;        /* inside a parked operation's attempt */
};

struct _ObApfChannel
{
  GIOStream         parent_instance;

  ObApfChannelCore *core;
  GInputStream     *input;
  GOutputStream    *output;
};

G_DEFINE_FINAL_TYPE (ObApfChannel, ob_apf_channel, G_TYPE_IO_STREAM)

static ObApfChannel *channel_new (ObApfChannelCore *core);
static void          maybe_wake  (ObApfChannelCore *core);

/* ---- the core: life ----------------------------------------------------- */

ObApfChannelCore *
_ob_apf_channel_core_new (ObApfSession *session,
                          guint32       local_id,
                          guint         port,
                          guint32       window,
                          gsize         max_buffer)
{
  ObApfChannelCore *core = g_new0 (ObApfChannelCore, 1);

  core->ref_count = 1;
  core->session = session;
  core->poller = ob_poller_ref (_ob_apf_session_get_poller (session));
  core->local_id = local_id;
  core->port = port;
  core->state = CORE_OPENING;
  core->window = window;
  core->max_buffer = MAX (max_buffer, window);
  core->recv_allowance = window;
  g_queue_init (&core->recv_chunks);
  g_queue_init (&core->soon);

  return core;
}

ObApfChannelCore *
_ob_apf_channel_core_ref (ObApfChannelCore *core)
{
  g_return_val_if_fail (core != NULL, NULL);

  g_atomic_int_inc (&core->ref_count);
  return core;
}

static void
drop_received (ObApfChannelCore *core)
{
  g_queue_clear_full (&core->recv_chunks, (GDestroyNotify) g_byte_array_unref);
  core->recv_offset = 0;
  core->recv_len = 0;
}

void
_ob_apf_channel_core_unref (ObApfChannelCore *core)
{
  g_return_if_fail (core != NULL);
  g_return_if_fail (core->ref_count > 0);

  if (!g_atomic_int_dec_and_test (&core->ref_count))
    return;

  /* A parked operation's task holds its stream, which holds the core. */
  g_assert (core->open_task == NULL);
  g_assert (core->reader.task == NULL && core->writer.task == NULL);
  g_assert (g_queue_is_empty (&core->soon));
  g_clear_pointer (&core->wake, ob_poller_timer_free);
  g_clear_pointer (&core->open_timer, ob_poller_timer_free);
  g_clear_pointer (&core->poller, ob_poller_unref);
  drop_received (core);
  g_clear_pointer (&core->send_buf, g_byte_array_unref);
  g_clear_error (&core->error);
  g_free (core);
}

guint32
_ob_apf_channel_core_get_local_id (ObApfChannelCore *core)
{
  return core->local_id;
}

gboolean
_ob_apf_channel_core_has_output (ObApfChannelCore *core)
{
  return core->state == CORE_OPEN
         && !core->close_sent
         && ((core->send_buf != NULL && core->send_buf->len > 0) || core->close_requested);
}

/* Leave the session's table; the session drops its reference, so callers
 * hold their own. */
static void
detach (ObApfChannelCore *core)
{
  ObApfSession *session = core->session;

  core->session = NULL;
  if (session != NULL)
    _ob_apf_session_remove_channel (session, core->local_id);
}

static void
send_close (ObApfChannelCore *core)
{
  if (core->close_sent)
    return;
  core->close_sent = TRUE;
  if (core->session != NULL)
    {
      ob_apf_encode_channel_close (_ob_apf_session_get_output (core->session), core->remote_id);
      _ob_apf_session_schedule_write (core->session);
    }
}

/* ---- opening ------------------------------------------------------------------- */

static void
open_finish_common (ObApfChannelCore *core,
                    GTask           **task_out)
{
  if (core->open_cancellable != NULL)
    {
      g_cancellable_disconnect (core->open_cancellable, core->open_cancel_id);
      core->open_cancel_id = 0;
      g_clear_object (&core->open_cancellable);
    }
  g_clear_pointer (&core->open_timer, ob_poller_timer_free);
  *task_out = g_steal_pointer (&core->open_task);
}

static void
open_return_error (ObApfChannelCore *core,
                   GError           *error)
{
  GTask *task = NULL;

  open_finish_common (core, &task);
  if (task != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
    }
  else
    g_error_free (error);
}

/* The caller stopped waiting (cancelled, timed out): the channel may still
 * be confirmed later, and is then closed at once. */
static void
open_abandon (ObApfChannelCore *core,
              GError           *error)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  core->close_requested = TRUE;
  core->input_closed = TRUE;
  core->output_closed = TRUE;
  open_return_error (core, error);
}

/* ---- waking parked operations -------------------------------------------------------- */

static void on_wake (gpointer user_data);

/* The parked operations (and a cancelled open) are looked at on the
 * poller's next round: from the main loop, never inside the call that
 * changed the state. */
static void
schedule_wake (ObApfChannelCore *core)
{
  if (core->wake == NULL)
    core->wake = ob_poller_timer_new (core->poller, on_wake, core);
  if (!ob_poller_timer_is_scheduled (core->wake))
    ob_poller_timer_schedule (core->wake, 0);
}

static gboolean
on_wake_idle (gpointer user_data)
{
  schedule_wake (user_data);
  return G_SOURCE_REMOVE;
}

/* A cancellable fired.  That may be inside g_cancellable_cancel() on the
 * caller's stack, and on any thread: only schedule.  The poller belongs to
 * its context's thread, so from elsewhere (or from code outside that
 * context's loop) an idle on the context does it: the rare case. */
static void
wake_from_cancel (ObApfChannelCore *core)
{
  GMainContext *context = ob_poller_get_context (core->poller);
  GSource *idle;

  if (g_main_context_is_owner (context))
    {
      schedule_wake (core);
      return;
    }
  idle = g_idle_source_new ();
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, on_wake_idle, _ob_apf_channel_core_ref (core),
                         (GDestroyNotify) _ob_apf_channel_core_unref);
  g_source_set_static_name (idle, "ObApfChannel cancelled");
  g_source_attach (idle, context);
  g_source_unref (idle);
}

static void
on_open_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  wake_from_cancel (user_data);
}

static void
on_open_timeout (gpointer user_data)
{
  ObApfChannelCore *core = user_data;

  if (core->open_task != NULL)
    open_abandon (core, g_error_new (OB_APF_ERROR, OB_APF_ERROR_TIMEOUT,
                                     "The device did not answer the channel to port %u in time",
                                     core->port));
}

void
_ob_apf_channel_core_start_open (ObApfChannelCore *core,
                                 GTask            *task,
                                 guint             timeout_ms)
{
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_return_if_fail (core->open_task == NULL);

  core->open_task = g_object_ref (task);
  if (cancellable != NULL)
    {
      core->open_cancellable = g_object_ref (cancellable);
      /* The core outlives the handler: it is disconnected before the task
       * completes, and the task holds the core via the table. */
      core->open_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_open_cancelled),
                                                    core, NULL);
    }
  if (timeout_ms > 0 && core->open_task != NULL)
    {
      core->open_timer = ob_poller_timer_new (core->poller, on_open_timeout, core);
      ob_poller_timer_schedule (core->open_timer, g_get_monotonic_time () + (gint64) timeout_ms * 1000);
    }
}

void
_ob_apf_channel_core_open_confirmed (ObApfChannelCore *core,
                                     guint32           remote_id,
                                     guint32           peer_window)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);
  GTask *task = NULL;

  if (core->state != CORE_OPENING)
    {
      g_debug ("Channel %u: confirmation while not opening, ignored", core->local_id);
      return;
    }

  core->remote_id = remote_id;
  core->send_credits = peer_window;
  core->state = CORE_OPEN;

  /* Cancelled, and the deferred handler has not run yet. */
  if (!core->close_requested && core->open_cancellable != NULL
      && g_cancellable_is_cancelled (core->open_cancellable))
    open_abandon (core, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));

  if (core->close_requested)
    {
      /* Nobody waits for it any more (reference: close right away). */
      send_close (core);
      core->state = CORE_CLOSED;
      detach (core);
      return;
    }

  open_finish_common (core, &task);
  if (task != NULL)
    {
      g_task_return_pointer (task, channel_new (core), g_object_unref);
      g_object_unref (task);
    }
}

void
_ob_apf_channel_core_open_failed (ObApfChannelCore *core,
                                  guint32           reason)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  if (core->state != CORE_OPENING)
    {
      g_debug ("Channel %u: open failure while not opening, ignored", core->local_id);
      return;
    }

  core->state = CORE_CLOSED;
  core->close_sent = TRUE;   /* nothing to close on the wire */
  detach (core);
  open_return_error (core, g_error_new (OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED,
                                        "The device refused the channel to port %u (%s)",
                                        core->port, ob_apf_open_failure_reason_to_string (reason)));
}

ObApfChannel *
_ob_apf_channel_core_accept (ObApfChannelCore *core,
                             guint32           remote_id,
                             guint32           peer_window)
{
  g_return_val_if_fail (core->state == CORE_OPENING, NULL);

  core->remote_id = remote_id;
  core->send_credits = peer_window;
  core->state = CORE_OPEN;
  return channel_new (core);
}

/* ---- traffic ------------------------------------------------------------------- */

static void
fail_flow_control (ObApfChannelCore *core)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  g_debug ("Channel %u: the peer overran the window, closing", core->local_id);
  if (core->error == NULL)
    core->error = g_error_new (OB_APF_ERROR, OB_APF_ERROR_FLOW_CONTROL,
                               "The device sent more data than the channel window allows");
  send_close (core);
  core->state = CORE_CLOSED;
  g_clear_pointer (&core->send_buf, g_byte_array_unref);
  detach (core);
  maybe_wake (core);
}

/* Give consumed bytes back to the peer once more than half our window is
 * owed (mps-cira-apf.md §2.6).  Counting consumed rather than received
 * bytes is what bounds our buffer to one window. */
static void
credit_consumed (ObApfChannelCore *core,
                 gsize             n)
{
  core->pending_credits += n;
  if (core->state != CORE_OPEN || core->close_sent || core->session == NULL)
    return;
  if (core->pending_credits > core->window / 2)
    {
      guint32 n_add = (guint32) MIN (core->pending_credits, G_MAXUINT32);

      ob_apf_encode_window_adjust (_ob_apf_session_get_output (core->session), core->remote_id, n_add);
      _ob_apf_session_schedule_write (core->session);
      core->recv_allowance += n_add;
      core->pending_credits -= n_add;
      core->n_adjusts_sent++;
    }
}

void
_ob_apf_channel_core_receive (ObApfChannelCore *core,
                              const guint8     *data,
                              gsize             len)
{
  GByteArray *tail;

  if (core->state != CORE_OPEN || core->close_sent)
    return;

  core->bytes_received += len;

  if (len > core->recv_allowance)
    {
      if (core->recv_len + len > core->max_buffer)
        {
          fail_flow_control (core);
          return;
        }
      core->recv_allowance = 0;
    }
  else
    core->recv_allowance -= len;

  if (len == 0)
    return;

  if (core->input_closed)
    {
      /* Nobody reads: drop it, but keep the peer's window open. */
      credit_consumed (core, len);
      return;
    }

  /* Small messages join the last chunk, so a peer sending one byte at a
   * time cannot make the window cost much more than its size. */
  tail = g_queue_peek_tail (&core->recv_chunks);
  if (tail != NULL && tail->len < SMALL_CHUNK && (gsize) tail->len + len <= MAX_DATA_CHUNK)
    g_byte_array_append (tail, data, (guint) len);
  else
    {
      tail = g_byte_array_sized_new ((guint) MAX (len, (gsize) SMALL_CHUNK));
      g_byte_array_append (tail, data, (guint) len);
      g_queue_push_tail (&core->recv_chunks, tail);
    }
  core->recv_len += len;
  core->recv_high_water = MAX (core->recv_high_water, core->recv_len);
  maybe_wake (core);
}

void
_ob_apf_channel_core_window_adjust (ObApfChannelCore *core,
                                    guint32           bytes_to_add)
{
  if (core->state != CORE_OPEN)
    return;

  core->n_adjusts_received++;
  /* A peer adding without bound cannot overflow the counter. */
  core->send_credits = MIN (core->send_credits + bytes_to_add, (guint64) G_MAXUINT32 * 2);
  _ob_apf_channel_core_flush (core);
}

void
_ob_apf_channel_core_peer_closed (ObApfChannelCore *core)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  core->peer_closed = TRUE;
  if (core->state == CORE_OPENING)
    {
      /* A close before the confirmation: the open failed. */
      core->state = CORE_CLOSED;
      core->close_sent = TRUE;
      detach (core);
      open_return_error (core, g_error_new (OB_APF_ERROR, OB_APF_ERROR_OPEN_FAILED,
                                            "The device closed the channel to port %u while opening it",
                                            core->port));
      return;
    }

  /* Reply once (the reference does so unless it already sent one). */
  if (core->state == CORE_OPEN)
    send_close (core);
  core->state = CORE_CLOSED;
  g_clear_pointer (&core->send_buf, g_byte_array_unref);
  detach (core);
  maybe_wake (core);
}

void
_ob_apf_channel_core_flush (ObApfChannelCore *core)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  if (core->session == NULL || core->state != CORE_OPEN || core->close_sent)
    return;

  while (core->send_buf != NULL && core->send_buf->len > 0 && core->send_credits > 0
         && _ob_apf_session_can_send_data (core->session))
    {
      gsize n = MIN ((gsize) core->send_buf->len, (gsize) MIN (core->send_credits, MAX_DATA_CHUNK));

      ob_apf_encode_channel_data (_ob_apf_session_get_output (core->session), core->remote_id,
                                  core->send_buf->data, n);
      g_byte_array_remove_range (core->send_buf, 0, (guint) n);
      core->send_credits -= n;
      core->bytes_sent += n;
    }
  if (core->send_buf != NULL && core->send_buf->len == 0)
    g_clear_pointer (&core->send_buf, g_byte_array_unref);
  _ob_apf_session_schedule_write (core->session);

  if (core->close_requested && core->send_buf == NULL)
    {
      send_close (core);
      core->state = CORE_CLOSED;
      detach (core);
    }
  /* Room in the send buffer for a parked writer. */
  maybe_wake (core);
}

void
_ob_apf_channel_core_session_lost (ObApfChannelCore *core,
                                   const GError     *error)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  core->session = NULL;
  if (core->error == NULL)
    core->error = g_error_new (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                               "The CIRA connection was lost%s%s",
                               error != NULL ? ": " : "", error != NULL ? error->message : "");
  g_clear_pointer (&core->send_buf, g_byte_array_unref);
  if (core->state == CORE_OPENING && core->open_task != NULL)
    {
      core->state = CORE_CLOSED;
      open_return_error (core, g_error_new (OB_APF_ERROR, OB_APF_ERROR_CLOSED,
                                            "The CIRA connection closed before the channel to port %u opened%s%s",
                                            core->port,
                                            error != NULL ? ": " : "", error != NULL ? error->message : ""));
      return;
    }
  core->state = CORE_CLOSED;
  maybe_wake (core);
}

/* ---- the streams' side ------------------------------------------------------------- */

gssize
_ob_apf_channel_core_read (ObApfChannelCore  *core,
                           void              *buffer,
                           gsize              count,
                           GError           **error)
{
  gsize done = 0;

  if (core->input_closed)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The channel is closed");
      return -1;
    }

  while (done < count && !g_queue_is_empty (&core->recv_chunks))
    {
      GByteArray *head = g_queue_peek_head (&core->recv_chunks);
      gsize n = MIN (count - done, head->len - core->recv_offset);

      memcpy ((guint8 *) buffer + done, head->data + core->recv_offset, n);
      done += n;
      core->recv_offset += n;
      if (core->recv_offset == head->len)
        {
          g_byte_array_unref (g_queue_pop_head (&core->recv_chunks));
          core->recv_offset = 0;
        }
    }

  if (done > 0 || count == 0)
    {
      core->recv_len -= done;
      credit_consumed (core, done);
      return (gssize) done;
    }

  if (core->error != NULL)
    {
      g_propagate_error (error, g_error_copy (core->error));
      return -1;
    }
  if (core->peer_closed || core->state == CORE_CLOSED)
    return 0;

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                       "No channel data yet (an APF channel only reads asynchronously)");
  return -1;
}

gssize
_ob_apf_channel_core_write (ObApfChannelCore  *core,
                            const void        *buffer,
                            gsize              count,
                            GError           **error)
{
  gsize room, n;

  if (core->output_closed || core->close_requested)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The channel is closed");
      return -1;
    }
  if (core->error != NULL)
    {
      g_propagate_error (error, g_error_copy (core->error));
      return -1;
    }
  if (core->peer_closed || core->state != CORE_OPEN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "The device closed the channel");
      return -1;
    }
  if (count == 0)
    return 0;

  room = core->max_buffer - (core->send_buf != NULL ? core->send_buf->len : 0);
  if (room == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                           "The channel's send buffer is full (waiting for the peer's window)");
      return -1;
    }

  n = MIN (count, room);
  if (core->send_buf == NULL)
    core->send_buf = g_byte_array_sized_new ((guint) MIN (n, (gsize) MAX_DATA_CHUNK));
  g_byte_array_append (core->send_buf, buffer, (guint) n);
  _ob_apf_channel_core_flush (core);
  return (gssize) n;
}

gboolean
_ob_apf_channel_core_is_readable (ObApfChannelCore *core)
{
  return core->recv_len > 0
         || core->input_closed
         || core->error != NULL
         || core->peer_closed
         || core->state == CORE_CLOSED;
}

gboolean
_ob_apf_channel_core_is_writable (ObApfChannelCore *core)
{
  return core->output_closed
         || core->close_requested
         || core->error != NULL
         || core->peer_closed
         || core->state != CORE_OPEN
         || core->send_buf == NULL
         || core->send_buf->len < core->max_buffer;
}

void
_ob_apf_channel_core_close_input (ObApfChannelCore *core)
{
  gsize dropped = core->recv_len;

  if (core->input_closed)
    return;
  core->input_closed = TRUE;
  drop_received (core);
  /* Unread data counts as consumed, so the peer is never stuck. */
  credit_consumed (core, dropped);
  maybe_wake (core);
}

void
_ob_apf_channel_core_close_output (ObApfChannelCore *core)
{
  /* APF has no half-close: the channel closes with the GIOStream. */
  core->output_closed = TRUE;
  maybe_wake (core);
}

void
_ob_apf_channel_core_close (ObApfChannelCore *core)
{
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);

  _ob_apf_channel_core_close_input (core);
  core->output_closed = TRUE;
  if (core->close_requested)
    return;
  core->close_requested = TRUE;

  switch (core->state)
    {
    case CORE_OPEN:
      /* Sends CHANNEL_CLOSE now, or once the buffered output is out. */
      _ob_apf_channel_core_flush (core);
      break;
    case CORE_OPENING:   /* closed when the confirmation comes */
    case CORE_CLOSED:
    default:
      break;
    }
  maybe_wake (core);
}

/* ---- parked asynchronous reads and writes -------------------------------------------- */

static void
on_io_cancelled (GCancellable *cancellable,
                 gpointer      user_data)
{
  wake_from_cancel (user_data);
}

/* Try the operation once, without blocking; TRUE when it has a result
 * (data, EOF, an error), FALSE while it would block. */
static gboolean
pending_try (ObApfChannelCore *core,
             PendingIO        *op,
             gboolean          for_write)
{
  GError *error = NULL;
  gssize n;

  if (op->done)
    return TRUE;
  if (op->cancellable != NULL && g_cancellable_is_cancelled (op->cancellable))
    {
      op->done = TRUE;
      op->result = -1;
      op->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
      return TRUE;
    }

  /* The attempt itself changes the state (credits, flushes): that must
   * not wake this very operation again. */
  core->trying = TRUE;
  if (for_write)
    n = _ob_apf_channel_core_write (core, op->buffer, op->count, &error);
  else
    n = _ob_apf_channel_core_read (core, op->buffer, op->count, &error);
  core->trying = FALSE;

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_error_free (error);
      return FALSE;
    }
  op->done = TRUE;
  op->result = n;
  op->error = error;
  return TRUE;
}

static void
pending_start (ObApfChannelCore *core,
               PendingIO        *op,
               gboolean          for_write,
               GTask            *task,
               gpointer          buffer,
               gsize             count,
               GCancellable     *cancellable)
{
  g_return_if_fail (op->task == NULL);

  op->task = g_object_ref (task);
  op->created = g_get_monotonic_time ();
  op->buffer = buffer;
  op->count = count;
  if (cancellable != NULL)
    {
      op->cancellable = g_object_ref (cancellable);
      /* Runs the handler at once if already cancelled: it only schedules. */
      op->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_io_cancelled), core, NULL);
    }
  /* Done at once or not, the answer comes from the main loop. */
  if (pending_try (core, op, for_write))
    schedule_wake (core);
}

/* Hand a settled operation's result to its task.  The task's callback
 * runs from here (the poller's dispatch) and may start the next
 * operation on this very slot. */
static void
pending_return (PendingIO *op)
{
  g_autoptr(GTask) task = g_steal_pointer (&op->task);
  GError *error = g_steal_pointer (&op->error);
  gssize result = op->result;

  if (op->cancellable != NULL)
    {
      g_cancellable_disconnect (op->cancellable, op->cancel_id);
      op->cancel_id = 0;
      g_clear_object (&op->cancellable);
    }
  op->buffer = NULL;
  op->count = 0;
  op->done = FALSE;
  op->result = 0;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, result);
}

/* The poller may run in the very iteration that made a task (another
 * source started the operation first): GTask would then call back through
 * an idle source, so the answer waits one more round. */
static gboolean
made_before_this_iteration (ObApfChannelCore *core,
                            gint64            created)
{
  return ob_poller_task_would_return_directly (ob_poller_get_context (core->poller), created);
}

static void
on_wake (gpointer user_data)
{
  ObApfChannelCore *core = user_data;
  g_autoptr(ObApfChannelCore) hold G_GNUC_UNUSED = _ob_apf_channel_core_ref (core);
  gboolean read_done, write_done, again = FALSE;

  if (core->open_task != NULL && core->open_cancellable != NULL
      && g_cancellable_is_cancelled (core->open_cancellable))
    open_abandon (core, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled"));

  /* Settle both before returning either: a callback may start a new
   * operation, which then waits for the next round. */
  read_done = core->reader.task != NULL && pending_try (core, &core->reader, FALSE);
  write_done = core->writer.task != NULL && pending_try (core, &core->writer, TRUE);
  if (read_done && !made_before_this_iteration (core, core->reader.created))
    {
      read_done = FALSE;
      again = TRUE;
    }
  if (write_done && !made_before_this_iteration (core, core->writer.created))
    {
      write_done = FALSE;
      again = TRUE;
    }
  if (read_done)
    pending_return (&core->reader);
  if (write_done)
    pending_return (&core->writer);

  /* Only those queued before this round (they were queued in order). */
  if (!g_queue_is_empty (&core->soon) && !made_before_this_iteration (core, core->soon_newest))
    again = TRUE;
  else
    for (guint n = g_queue_get_length (&core->soon); n > 0; n--)
      {
        g_autoptr(GTask) task = g_queue_pop_head (&core->soon);

        g_task_return_boolean (task, TRUE);
      }

  if (again)
    schedule_wake (core);
}

void
_ob_apf_channel_core_return_soon (ObApfChannelCore *core,
                                  GTask            *task)
{
  g_queue_push_tail (&core->soon, g_object_ref (task));
  core->soon_newest = g_get_monotonic_time ();
  schedule_wake (core);
}

/* After a state change: wake the parked operations that can now go on. */
static void
maybe_wake (ObApfChannelCore *core)
{
  if (core->trying)
    return;
  if ((core->reader.task != NULL && (core->reader.done || _ob_apf_channel_core_is_readable (core)))
      || (core->writer.task != NULL && (core->writer.done || _ob_apf_channel_core_is_writable (core))))
    schedule_wake (core);
}

void
_ob_apf_channel_core_read_async (ObApfChannelCore *core,
                                 GTask            *task,
                                 void             *buffer,
                                 gsize             count,
                                 GCancellable     *cancellable)
{
  pending_start (core, &core->reader, FALSE, task, buffer, count, cancellable);
}

void
_ob_apf_channel_core_write_async (ObApfChannelCore *core,
                                  GTask            *task,
                                  const void       *buffer,
                                  gsize             count,
                                  GCancellable     *cancellable)
{
  pending_start (core, &core->writer, TRUE, task, (gpointer) buffer, count, cancellable);
}

/* ---- level-triggered poll sources ------------------------------------------------ */

typedef struct
{
  GSource           source;
  ObApfChannelCore *core;
  gboolean          for_write;
} CoreSource;

static gboolean
core_source_ready (CoreSource *cs)
{
  return cs->for_write ? _ob_apf_channel_core_is_writable (cs->core)
                       : _ob_apf_channel_core_is_readable (cs->core);
}

/* State only changes in callbacks on this same context, so checking in
 * prepare before each poll never misses a change. */
static gboolean
core_source_prepare (GSource *source,
                     gint    *timeout)
{
  *timeout = -1;
  return core_source_ready ((CoreSource *) source);
}

static gboolean
core_source_check (GSource *source)
{
  return core_source_ready ((CoreSource *) source);
}

static gboolean
core_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  if (callback == NULL)
    return G_SOURCE_CONTINUE;
  return callback (user_data);
}

static void
core_source_finalize (GSource *source)
{
  CoreSource *cs = (CoreSource *) source;

  g_clear_pointer (&cs->core, _ob_apf_channel_core_unref);
}

/* g_pollable_source_new_full() gives its child a dummy callback, which is
 * a closure: the source must know how to call one. */
static gboolean
core_source_closure_callback (gpointer data)
{
  GClosure *closure = data;
  GValue result = G_VALUE_INIT;
  gboolean ret;

  g_value_init (&result, G_TYPE_BOOLEAN);
  g_closure_invoke (closure, &result, 0, NULL, NULL);
  ret = g_value_get_boolean (&result);
  g_value_unset (&result);
  return ret;
}

static GSourceFuncs core_source_funcs = {
  core_source_prepare,
  core_source_check,
  core_source_dispatch,
  core_source_finalize,
  (GSourceFunc) core_source_closure_callback,
  NULL,
};

GSource *
_ob_apf_channel_core_create_source (ObApfChannelCore *core,
                                    gboolean          for_write)
{
  GSource *source = g_source_new (&core_source_funcs, sizeof (CoreSource));
  CoreSource *cs = (CoreSource *) source;

  cs->core = _ob_apf_channel_core_ref (core);
  cs->for_write = for_write;
  g_source_set_static_name (source, for_write ? "ObApfChannel writable" : "ObApfChannel readable");
  return source;
}

/* ---- ObApfChannel ----------------------------------------------------------------- */

static ObApfChannel *
channel_new (ObApfChannelCore *core)
{
  ObApfChannel *self = g_object_new (OB_TYPE_APF_CHANNEL, NULL);

  self->core = _ob_apf_channel_core_ref (core);
  self->input = _ob_apf_channel_input_stream_new (core);
  self->output = _ob_apf_channel_output_stream_new (core);
  return self;
}

static GInputStream *
ob_apf_channel_get_input_stream (GIOStream *stream)
{
  return OB_APF_CHANNEL (stream)->input;
}

static GOutputStream *
ob_apf_channel_get_output_stream (GIOStream *stream)
{
  return OB_APF_CHANNEL (stream)->output;
}

static gboolean
ob_apf_channel_close_fn (GIOStream     *stream,
                         GCancellable  *cancellable,
                         GError       **error)
{
  ObApfChannel *self = OB_APF_CHANNEL (stream);

  /* A stream with an operation still pending refuses to close; the core
   * close below fails that operation instead. */
  if (self->input != NULL)
    g_input_stream_close (self->input, NULL, NULL);
  if (self->output != NULL)
    g_output_stream_close (self->output, NULL, NULL);
  if (self->core != NULL)
    _ob_apf_channel_core_close (self->core);
  return TRUE;
}

/* Closing never blocks: done here, not in GIO's default worker thread,
 * and answered on the poller's next round. */
static void
ob_apf_channel_close_async (GIOStream           *stream,
                            int                  io_priority,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  ObApfChannel *self = OB_APF_CHANNEL (stream);
  g_autoptr(GTask) task = g_task_new (stream, NULL, callback, user_data);

  g_task_set_source_tag (task, ob_apf_channel_close_async);
  ob_apf_channel_close_fn (stream, cancellable, NULL);
  _ob_apf_channel_core_return_soon (self->core, task);
}

static gboolean
ob_apf_channel_close_finish (GIOStream     *stream,
                             GAsyncResult  *result,
                             GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ob_apf_channel_finalize (GObject *object)
{
  ObApfChannel *self = OB_APF_CHANNEL (object);

  /* GIOStream closes an open stream on dispose; by now it is closed. */
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_pointer (&self->core, _ob_apf_channel_core_unref);

  G_OBJECT_CLASS (ob_apf_channel_parent_class)->finalize (object);
}

static void
ob_apf_channel_class_init (ObApfChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->finalize = ob_apf_channel_finalize;

  stream_class->get_input_stream = ob_apf_channel_get_input_stream;
  stream_class->get_output_stream = ob_apf_channel_get_output_stream;
  stream_class->close_fn = ob_apf_channel_close_fn;
  stream_class->close_async = ob_apf_channel_close_async;
  stream_class->close_finish = ob_apf_channel_close_finish;
}

static void
ob_apf_channel_init (ObApfChannel *self)
{
}

guint
ob_apf_channel_get_port (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->port;
}

guint32
ob_apf_channel_get_local_id (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->local_id;
}

guint32
ob_apf_channel_get_remote_id (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->remote_id;
}

guint32
ob_apf_channel_get_window_size (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->window;
}

gboolean
ob_apf_channel_is_peer_closed (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), FALSE);

  return self->core->peer_closed;
}

guint64
ob_apf_channel_get_bytes_sent (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->bytes_sent;
}

guint64
ob_apf_channel_get_bytes_received (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->bytes_received;
}

gsize
ob_apf_channel_get_max_receive_buffered (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->recv_high_water;
}

guint
ob_apf_channel_get_n_window_adjusts_sent (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->n_adjusts_sent;
}

guint
ob_apf_channel_get_n_window_adjusts_received (ObApfChannel *self)
{
  g_return_val_if_fail (OB_IS_APF_CHANNEL (self), 0);

  return self->core->n_adjusts_received;
}
