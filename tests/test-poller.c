/* test-poller.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ob-poller.h"

static void
run_until (gboolean *flag,
           guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

static void
spin (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

/* ---- timers ---------------------------------------------------------------- */

typedef struct
{
  GArray *order;        /* int: which timer fired */
  int     id;
} Fired;

static void
on_fired (gpointer user_data)
{
  Fired *fired = user_data;

  g_array_append_val (fired->order, fired->id);
}

static void
test_timers_order (void)
{
  g_autoptr(ObPoller) poller = ob_poller_new (NULL);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  /* Deadlines given out of order, one moved later, one moved earlier, one
   * cancelled. */
  const int delays_ms[] = { 60, 10, 40, 30, 20, 50, 5, 70 };
  Fired fired[G_N_ELEMENTS (delays_ms)];
  ObPollerTimer *timers[G_N_ELEMENTS (delays_ms)];
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < G_N_ELEMENTS (delays_ms); i++)
    {
      fired[i].order = order;
      fired[i].id = (int) i;
      timers[i] = ob_poller_timer_new (poller, on_fired, &fired[i]);
      ob_poller_timer_schedule (timers[i], now + delays_ms[i] * 1000);
    }
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, G_N_ELEMENTS (delays_ms));

  ob_poller_timer_schedule (timers[1], now + 65 * 1000);   /* 10 -> 65 */
  ob_poller_timer_schedule (timers[0], now + 1 * 1000);    /* 60 -> 1 */
  ob_poller_timer_cancel (timers[3]);                       /* 30: never */
  g_assert_false (ob_poller_timer_is_scheduled (timers[3]));

  spin (120);

  /* 0 (1 ms), 6 (5), 4 (20), 2 (40), 5 (50), 1 (65), 7 (70). */
  {
    const int expected[] = { 0, 6, 4, 2, 5, 1, 7 };

    g_assert_cmpuint (order->len, ==, G_N_ELEMENTS (expected));
    for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
      g_assert_cmpint (g_array_index (order, int, i), ==, expected[i]);
  }
  for (guint i = 0; i < G_N_ELEMENTS (delays_ms); i++)
    {
      g_assert_false (ob_poller_timer_is_scheduled (timers[i]));
      ob_poller_timer_free (timers[i]);
    }
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
}

/* A callback that reschedules itself, even in the past, runs once per
 * dispatch, not in a loop; one that frees another due timer stops it. */
typedef struct
{
  ObPollerTimer *self;
  ObPollerTimer *victim;
  guint             runs;
  gboolean          victim_ran;
} Chain;

static void
on_chain (gpointer user_data)
{
  Chain *chain = user_data;

  chain->runs++;
  if (chain->victim != NULL)
    g_clear_pointer (&chain->victim, ob_poller_timer_free);
  if (chain->runs < 3)
    ob_poller_timer_schedule (chain->self, g_get_monotonic_time () - 1000);
}

static void
on_victim (gpointer user_data)
{
  Chain *chain = user_data;

  chain->victim_ran = TRUE;
}

static void
test_timers_reentrant (void)
{
  g_autoptr(ObPoller) poller = ob_poller_new (NULL);
  Chain chain = { 0 };
  gint64 now = g_get_monotonic_time ();

  chain.self = ob_poller_timer_new (poller, on_chain, &chain);
  chain.victim = ob_poller_timer_new (poller, on_victim, &chain);
  /* Both due in the same dispatch; the chain runs first. */
  ob_poller_timer_schedule (chain.self, now + 2000);
  ob_poller_timer_schedule (chain.victim, now + 3000);

  g_usleep (5000);
  g_assert_true (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (chain.runs, ==, 1);
  g_assert_false (chain.victim_ran);

  spin (20);
  g_assert_cmpuint (chain.runs, ==, 3);
  g_assert_false (chain.victim_ran);
  g_assert_false (ob_poller_timer_is_scheduled (chain.self));
  ob_poller_timer_free (chain.self);
  g_assert_cmpuint (ob_poller_get_n_timers (poller), ==, 0);
}

/* ---- watches ---------------------------------------------------------------- */

typedef struct
{
  int               fd;
  guint             calls;
  gsize             bytes;
  gboolean          eof;
  ObPollerWatch *watch;
  gboolean          free_on_eof;
} Reader;

static void
on_readable (gpointer user_data)
{
  Reader *reader = user_data;
  char buffer[3];
  gssize n;

  reader->calls++;
  /* Small reads: level-triggered, the rest comes on the next dispatch. */
  n = read (reader->fd, buffer, sizeof buffer);
  if (n > 0)
    reader->bytes += (gsize) n;
  else if (n == 0)
    {
      reader->eof = TRUE;
      if (reader->free_on_eof)
        g_clear_pointer (&reader->watch, ob_poller_watch_free);
      else
        ob_poller_watch_set_enabled (reader->watch, FALSE);
    }
}

static void
test_watch_level_triggered (void)
{
  g_autoptr(ObPoller) poller = ob_poller_new (NULL);
  int fds[2];
  Reader reader = { 0 };

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
  reader.fd = fds[0];
  reader.watch = ob_poller_watch_new (poller, fds[0], on_readable, &reader);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 1);

  spin (10);
  g_assert_cmpuint (reader.calls, ==, 0);

  g_assert_cmpint (write (fds[1], "0123456789", 10), ==, 10);
  spin (30);
  g_assert_cmpuint (reader.bytes, ==, 10);
  g_assert_cmpuint (reader.calls, >=, 4);

  /* Disabled: data waits. */
  ob_poller_watch_set_enabled (reader.watch, FALSE);
  g_assert_false (ob_poller_watch_get_enabled (reader.watch));
  g_assert_cmpint (write (fds[1], "abc", 3), ==, 3);
  spin (20);
  g_assert_cmpuint (reader.bytes, ==, 10);
  ob_poller_watch_set_enabled (reader.watch, TRUE);
  spin (20);
  g_assert_cmpuint (reader.bytes, ==, 13);

  /* The peer's close wakes it too; the callback stops watching. */
  close (fds[1]);
  run_until (&reader.eof, 1000);
  g_assert_true (reader.eof);
  ob_poller_watch_free (reader.watch);
  close (fds[0]);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
}

/* Write readiness: a watch for G_IO_OUT wakes only while the socket has
 * room, one for G_IO_IN only while it has data, and one for both while
 * either holds. */
typedef struct
{
  ObPollerWatch *watch;
  guint          calls;
} Counter;

static void
on_ready_count (gpointer user_data)
{
  Counter *counter = user_data;

  counter->calls++;
}

static void
test_watch_events (void)
{
  g_autoptr(ObPoller) poller = ob_poller_new (NULL);
  Counter counter = { 0 };
  char block[4096];
  char sink[65536];
  int fds[2];
  gsize filled = 0;

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds));
  memset (block, 'x', sizeof block);

  /* An idle socket has room: a write watch wakes at once, again and
   * again (level-triggered). */
  counter.watch = ob_poller_watch_new (poller, fds[0], on_ready_count, &counter);
  g_assert_cmpuint (ob_poller_watch_get_events (counter.watch), ==, G_IO_IN);
  spin (10);
  g_assert_cmpuint (counter.calls, ==, 0);
  ob_poller_watch_set_events (counter.watch, G_IO_OUT);
  g_assert_cmpuint (ob_poller_watch_get_events (counter.watch), ==, G_IO_OUT);
  spin (10);
  g_assert_cmpuint (counter.calls, >=, 2);

  /* Full: no more calls until the peer reads. */
  while (write (fds[0], block, sizeof block) > 0)
    filled += sizeof block;
  g_assert_cmpint (errno, ==, EAGAIN);
  g_assert_cmpuint (filled, >, 0);
  spin (5);
  counter.calls = 0;
  spin (20);
  g_assert_cmpuint (counter.calls, ==, 0);

  /* Both: data from the peer wakes it although there is no room. */
  ob_poller_watch_set_events (counter.watch, G_IO_IN | G_IO_OUT);
  g_assert_cmpint (write (fds[1], "a", 1), ==, 1);
  spin (10);
  g_assert_cmpuint (counter.calls, >=, 1);
  g_assert_cmpint (read (fds[0], sink, 1), ==, 1);
  spin (5);
  counter.calls = 0;
  spin (20);
  g_assert_cmpuint (counter.calls, ==, 0);

  /* The change holds across a pause. */
  ob_poller_watch_set_enabled (counter.watch, FALSE);
  ob_poller_watch_set_enabled (counter.watch, TRUE);
  g_assert_cmpuint (ob_poller_watch_get_events (counter.watch), ==, G_IO_IN | G_IO_OUT);
  spin (10);
  g_assert_cmpuint (counter.calls, ==, 0);

  /* The peer drains: room again. */
  while (read (fds[1], sink, sizeof sink) > 0)
    ;
  spin (10);
  g_assert_cmpuint (counter.calls, >=, 1);

  /* Back to reading only: writable no longer wakes it. */
  ob_poller_watch_set_events (counter.watch, G_IO_IN);
  spin (5);
  counter.calls = 0;
  spin (20);
  g_assert_cmpuint (counter.calls, ==, 0);

  ob_poller_watch_free (counter.watch);
  close (fds[0]);
  close (fds[1]);
}

/* Many descriptors at once, each watch freeing itself from its callback
 * (the batch still holds events for the others and for itself). */
static void
test_watch_free_in_callback (void)
{
  g_autoptr(ObPoller) poller = ob_poller_new (NULL);
  enum { N = 50 };
  int fds[N][2];
  Reader readers[N];

  memset (readers, 0, sizeof readers);
  for (guint i = 0; i < N; i++)
    {
      g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds[i]));
      readers[i].fd = fds[i][0];
      readers[i].free_on_eof = TRUE;
      readers[i].watch = ob_poller_watch_new (poller, fds[i][0], on_readable, &readers[i]);
    }
  for (guint i = 0; i < N; i++)
    close (fds[i][1]);

  spin (50);
  for (guint i = 0; i < N; i++)
    {
      g_assert_true (readers[i].eof);
      g_assert_null (readers[i].watch);
      g_assert_cmpuint (readers[i].calls, ==, 1);
      close (fds[i][0]);
    }
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 0);
}

/* ---- waiting and waking ------------------------------------------------------ */

typedef struct
{
  ObPollerTimer *timer;
  ObPollerTimer *next;       /* scheduled from the first one's callback */
  gint64         due;
  gint64         fired_at;
  gint64         next_due;
  gint64         next_fired_at;
  gboolean       guard;
} Wait;

static void
on_wait_next (gpointer user_data)
{
  Wait *wait = user_data;

  wait->next_fired_at = g_get_monotonic_time ();
}

static void
on_wait_timer (gpointer user_data)
{
  Wait *wait = user_data;

  wait->fired_at = g_get_monotonic_time ();
  wait->next_due = wait->fired_at + 20 * 1000;
  ob_poller_timer_schedule (wait->next, wait->next_due);
}

static gboolean
on_wait_guard (gpointer user_data)
{
  Wait *wait = user_data;

  wait->guard = TRUE;
  return G_SOURCE_REMOVE;
}

/* A timer scheduled from outside the poller's dispatch (here an idle
 * callback) while the loop is about to block. */
static gboolean
on_wait_idle (gpointer user_data)
{
  Wait *wait = user_data;

  wait->due = g_get_monotonic_time () + 30 * 1000;
  ob_poller_timer_schedule (wait->timer, wait->due);
  return G_SOURCE_REMOVE;
}

/* A loop that blocks wakes for the earliest timer, whether it was
 * scheduled from another source or from a timer's own callback, and not
 * before it is due. */
static void
test_timers_blocking_wait (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObPoller) poller = ob_poller_new (context);
  g_autoptr(GSource) guard = g_timeout_source_new (5000);
  g_autoptr(GSource) idle = g_idle_source_new ();
  Wait wait = { 0 };

  wait.timer = ob_poller_timer_new (poller, on_wait_timer, &wait);
  wait.next = ob_poller_timer_new (poller, on_wait_next, &wait);
  g_source_set_callback (guard, on_wait_guard, &wait, NULL);
  g_source_attach (guard, context);
  g_source_set_callback (idle, on_wait_idle, &wait, NULL);
  g_source_attach (idle, context);

  while (wait.next_fired_at == 0 && !wait.guard)
    g_main_context_iteration (context, TRUE);

  g_assert_false (wait.guard);
  g_assert_cmpint (wait.due, >, 0);
  g_assert_cmpint (wait.fired_at, >=, wait.due);
  g_assert_cmpint (wait.next_fired_at, >=, wait.next_due);
  g_assert_false (ob_poller_timer_is_scheduled (wait.timer));
  g_assert_false (ob_poller_timer_is_scheduled (wait.next));

  g_source_destroy (guard);
  ob_poller_timer_free (wait.timer);
  ob_poller_timer_free (wait.next);
}

typedef struct
{
  Reader         reader;
  ObPollerTimer *timer;
} Busy;

static void
on_busy_readable (gpointer user_data)
{
  Busy *busy = user_data;

  on_readable (&busy->reader);
  /* Moves the earliest deadline, as a session's timers do. */
  ob_poller_timer_schedule (busy->timer, g_get_monotonic_time () + 60 * G_USEC_PER_SEC);
}

static void
on_never (gpointer user_data)
{
  g_assert_not_reached ();
}

/* Nothing the poller does in a dispatch wakes its own context: after a
 * watch ran and moved the earliest timer, polling the context's
 * descriptors (its wakeup descriptor among them) finds nothing ready.
 * GLib wakes a context whenever a source's ready time changes or a source
 * that may not recurse is blocked and unblocked around its dispatch, which
 * cost every dispatch an eventfd write or two and an extra turn of the
 * loop. */
static void
test_no_self_wakeup (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObPoller) poller = ob_poller_new (context);
  Busy busy = { 0 };
  GPollFD fds[16];
  gint priority, timeout, n_fds;
  int sockets[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sockets));
  busy.reader.fd = sockets[0];
  busy.reader.watch = ob_poller_watch_new (poller, sockets[0], on_busy_readable, &busy);
  busy.timer = ob_poller_timer_new (poller, on_never, NULL);
  ob_poller_timer_schedule (busy.timer, g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  /* Settle whatever making the source did. */
  while (g_main_context_iteration (context, FALSE))
    ;

  g_assert_cmpint (write (sockets[1], "ab", 2), ==, 2);
  g_assert_true (g_main_context_iteration (context, TRUE));
  g_assert_cmpuint (busy.reader.bytes, ==, 2);

  g_assert_true (g_main_context_acquire (context));
  g_main_context_prepare (context, &priority);
  n_fds = g_main_context_query (context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  g_assert_cmpint (n_fds, >=, 2);   /* the wakeup descriptor and the epoll set */
  g_assert_cmpint (n_fds, <=, (gint) G_N_ELEMENTS (fds));
  g_assert_cmpint (timeout, >, 1000);
  g_assert_cmpint (g_poll (fds, (guint) n_fds, 0), ==, 0);
  g_assert_false (g_main_context_check (context, priority, fds, n_fds));
  g_main_context_release (context);

  ob_poller_timer_free (busy.timer);
  ob_poller_watch_free (busy.reader.watch);
  close (sockets[0]);
  close (sockets[1]);
}

/* A callback may iterate the context: the poller's source runs again
 * inside it, and what the inner dispatch frees outlives the outer
 * dispatch's batch (ASan sees the difference). */
typedef struct
{
  GMainContext  *context;
  Reader         first;
  Reader         second;
  guint          depth;
  guint          nested_calls;
} Nest;

static void
on_nest_first (gpointer user_data)
{
  Nest *nest = user_data;

  on_readable (&nest->first);
  nest->depth++;
  while (g_main_context_iteration (nest->context, FALSE))
    ;
  nest->depth--;
}

static void
on_nest_second (gpointer user_data)
{
  Nest *nest = user_data;

  on_readable (&nest->second);
  if (nest->depth > 0)
    {
      nest->nested_calls++;
      /* Frees the watch whose callback is still running below. */
      g_clear_pointer (&nest->first.watch, ob_poller_watch_free);
    }
}

static void
test_recursion (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObPoller) poller = ob_poller_new (context);
  Nest nest = { 0 };
  int a[2], b[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, a));
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, b));
  nest.context = context;
  nest.first.fd = a[0];
  nest.second.fd = b[0];
  nest.first.watch = ob_poller_watch_new (poller, a[0], on_nest_first, &nest);
  nest.second.watch = ob_poller_watch_new (poller, b[0], on_nest_second, &nest);

  /* Both ready in one batch, the first first: its callback iterates the
   * context, the second runs inside and frees the first's watch; then the
   * outer batch reaches the second again, which finds nothing to read. */
  g_assert_cmpint (write (a[1], "x", 1), ==, 1);
  g_assert_cmpint (write (b[1], "y", 1), ==, 1);
  g_assert_true (g_main_context_iteration (context, TRUE));
  g_assert_cmpuint (nest.nested_calls, ==, 1);
  g_assert_null (nest.first.watch);
  g_assert_cmpuint (nest.first.bytes, ==, 1);
  g_assert_cmpuint (nest.second.bytes, ==, 1);
  g_assert_cmpuint (nest.second.calls, ==, 2);
  g_clear_pointer (&nest.first.watch, ob_poller_watch_free);
  g_assert_cmpuint (ob_poller_get_n_watches (poller), ==, 1);
  ob_poller_watch_free (nest.second.watch);
  for (guint i = 0; i < 2; i++)
    {
      close (a[i]);
      close (b[i]);
    }
}

/* A poller on a thread's own context runs nothing on the default one. */
static void
test_context (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ObPoller) poller = ob_poller_new (context);
  g_autoptr(GArray) order = g_array_new (FALSE, FALSE, sizeof (int));
  Fired fired = { order, 7 };
  ObPollerTimer *timer = ob_poller_timer_new (poller, on_fired, &fired);

  g_assert_true (ob_poller_get_context (poller) == context);
  ob_poller_timer_schedule (timer, g_get_monotonic_time ());
  spin (10);
  g_assert_cmpuint (order->len, ==, 0);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (order->len, ==, 1);
  ob_poller_timer_free (timer);
}

/* One shared poller per context while someone holds it; a new one after
 * the last reference went; another context gets its own. */
static void
test_shared (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  ObPoller *first = ob_poller_get_for_context (context);
  ObPoller *again = ob_poller_get_for_context (context);
  ObPoller *other = ob_poller_get_for_context (NULL);
  ObPoller *fresh;
  GArray *order = g_array_new (FALSE, FALSE, sizeof (int));
  Fired fired = { order, 3 };
  ObPollerTimer *timer;

  g_assert_true (first == again);
  g_assert_true (other != first);
  g_assert_true (ob_poller_get_context (first) == context);
  g_assert_true (ob_poller_get_context (other) == g_main_context_default ());

  /* The poller made for the thread-default context is that one. */
  g_main_context_push_thread_default (context);
  fresh = ob_poller_get_for_context (NULL);
  g_assert_true (fresh == first);
  g_main_context_pop_thread_default (context);
  ob_poller_unref (fresh);

  timer = ob_poller_timer_new (again, on_fired, &fired);
  ob_poller_timer_schedule (timer, g_get_monotonic_time ());
  while (g_main_context_iteration (context, FALSE))
    ;
  g_assert_cmpuint (order->len, ==, 1);
  ob_poller_timer_free (timer);

  ob_poller_unref (again);
  ob_poller_unref (first);
  ob_poller_unref (other);

  /* Gone with its last reference: the context has no source left. */
  g_assert_false (g_main_context_pending (context));
  fresh = ob_poller_get_for_context (context);
  g_assert_nonnull (fresh);
  g_assert_cmpuint (ob_poller_get_n_timers (fresh), ==, 0);
  ob_poller_unref (fresh);
  g_array_unref (order);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/core/poller/timers/order", test_timers_order);
  g_test_add_func ("/core/poller/timers/reentrant", test_timers_reentrant);
  g_test_add_func ("/core/poller/watch/level-triggered", test_watch_level_triggered);
  g_test_add_func ("/core/poller/watch/events", test_watch_events);
  g_test_add_func ("/core/poller/watch/free-in-callback", test_watch_free_in_callback);
  g_test_add_func ("/core/poller/timers/blocking-wait", test_timers_blocking_wait);
  g_test_add_func ("/core/poller/no-self-wakeup", test_no_self_wakeup);
  g_test_add_func ("/core/poller/recursion", test_recursion);
  g_test_add_func ("/core/poller/context", test_context);
  g_test_add_func ("/core/poller/shared", test_shared);

  return g_test_run ();
}
