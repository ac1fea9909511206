/* ob-poller.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "ob-poller.h"

/* Events taken from the kernel per epoll_wait(); more wait for the next
 * iteration (level-triggered, nothing is lost). */
#define MAX_EVENTS 256

#define NOT_SCHEDULED G_MAXUINT

struct _ObPollerWatch
{
  ObPoller     *poller;
  int              fd;
  ObPollerFunc  func;
  gpointer         user_data;
  GIOCondition     events;      /* G_IO_IN and / or G_IO_OUT */
  gboolean         enabled;
  gboolean         dead;        /* freed during a dispatch: goes after it */
};

struct _ObPollerTimer
{
  ObPoller     *poller;
  ObPollerFunc  func;
  gpointer         user_data;
  gint64           deadline;
  guint            index;       /* in the heap, or NOT_SCHEDULED */
  gboolean         dead;
};

typedef struct
{
  GSource      source;
  ObPoller *poller;          /* the poller owns the source */
} PollerSource;

struct _ObPoller
{
  gint          ref_count;
  gboolean      shared;         /* in shared_pollers */
  GMainContext *context;
  GSource      *source;
  int           epfd;
  GPtrArray    *heap;           /* ObPollerTimer *, earliest deadline first */
  guint         n_watches;
  guint         n_timers;
  /* Dispatches under way: more than one when a callback iterates the
   * context (the source may recurse). */
  guint         dispatch_depth;
  GPtrArray    *dead;           /* watches and timers freed during a dispatch */
  GPtrArray    *dead_timers;
};

/* ---- the timer heap ---------------------------------------------------------- */

static ObPollerTimer *
heap_at (ObPoller *self,
         guint        i)
{
  return g_ptr_array_index (self->heap, i);
}

static void
heap_set (ObPoller      *self,
          guint             i,
          ObPollerTimer *timer)
{
  self->heap->pdata[i] = timer;
  timer->index = i;
}

static void
heap_sift_up (ObPoller *self,
              guint        i)
{
  ObPollerTimer *timer = heap_at (self, i);

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (heap_at (self, parent)->deadline <= timer->deadline)
        break;
      heap_set (self, i, heap_at (self, parent));
      i = parent;
    }
  heap_set (self, i, timer);
}

static void
heap_sift_down (ObPoller *self,
                guint        i)
{
  ObPollerTimer *timer = heap_at (self, i);
  guint n = self->heap->len;

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= n)
        break;
      if (child + 1 < n && heap_at (self, child + 1)->deadline < heap_at (self, child)->deadline)
        child++;
      if (timer->deadline <= heap_at (self, child)->deadline)
        break;
      heap_set (self, i, heap_at (self, child));
      i = child;
    }
  heap_set (self, i, timer);
}

static void
heap_remove (ObPoller      *self,
             ObPollerTimer *timer)
{
  guint i = timer->index;
  ObPollerTimer *last;

  g_assert (i < self->heap->len && heap_at (self, i) == timer);

  timer->index = NOT_SCHEDULED;
  last = g_ptr_array_steal_index_fast (self->heap, self->heap->len - 1);
  if (last == timer)
    return;
  heap_set (self, i, last);
  heap_sift_up (self, i);
  heap_sift_down (self, last->index);
}

/* ---- the source ------------------------------------------------------------ */

static gboolean
timer_due (ObPoller *self,
           gint64    now)
{
  return self->heap->len > 0 && heap_at (self, 0)->deadline <= now;
}

static void
run_due_timers (ObPoller *self)
{
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) due = NULL;

  if (!timer_due (self, now))
    return;

  /* Taken out first, so a callback that schedules its timer again (even
   * in the past) runs it on a later dispatch, not in a loop here. */
  due = g_ptr_array_new ();
  while (timer_due (self, now))
    {
      ObPollerTimer *timer = heap_at (self, 0);

      heap_remove (self, timer);
      g_ptr_array_add (due, timer);
    }

  for (guint i = 0; i < due->len; i++)
    {
      ObPollerTimer *timer = g_ptr_array_index (due, i);

      /* Freed or scheduled anew by an earlier callback of this round. */
      if (timer->dead || timer->index != NOT_SCHEDULED)
        continue;
      timer->func (timer->user_data);
    }
}

static void
run_ready_watches (ObPoller *self)
{
  struct epoll_event events[MAX_EVENTS];
  int n;

  n = epoll_wait (self->epfd, events, MAX_EVENTS, 0);
  if (n < 0 && errno != EINTR)
    g_debug ("epoll_wait: %s", g_strerror (errno));

  for (int i = 0; i < n; i++)
    {
      ObPollerWatch *watch = events[i].data.ptr;

      /* Removed or paused by an earlier callback of this batch. */
      if (watch->dead || !watch->enabled)
        continue;
      watch->func (watch->user_data);
    }
}

static void
free_dead (ObPoller *self)
{
  for (guint i = 0; i < self->dead->len; i++)
    g_free (g_ptr_array_index (self->dead, i));
  g_ptr_array_set_size (self->dead, 0);
  for (guint i = 0; i < self->dead_timers->len; i++)
    g_free (g_ptr_array_index (self->dead_timers, i));
  g_ptr_array_set_size (self->dead_timers, 0);
}

/* The next deadline goes to the main loop through prepare and check,
 * not g_source_set_ready_time(): that call wakes the context up (an
 * eventfd write, then an extra turn of the loop) every time the earliest
 * timer changes, even from the context's own thread. */
static gboolean
poller_source_prepare (GSource *source,
                       gint    *timeout)
{
  ObPoller *self = ((PollerSource *) source)->poller;
  gint64 wait;

  if (self->heap->len == 0)
    {
      *timeout = -1;
      return FALSE;
    }

  wait = heap_at (self, 0)->deadline - g_get_monotonic_time ();
  if (wait <= 0)
    {
      *timeout = 0;
      return TRUE;
    }

  *timeout = (gint) MIN ((wait + 999) / 1000, G_MAXINT);
  return FALSE;
}

/* The epoll descriptor's readiness is GLib's to see; this adds the timers. */
static gboolean
poller_source_check (GSource *source)
{
  ObPoller *self = ((PollerSource *) source)->poller;

  return timer_due (self, g_get_monotonic_time ());
}

static gboolean
poller_source_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  ObPoller *self = ((PollerSource *) source)->poller;

  ob_poller_ref (self);
  self->dispatch_depth++;

  run_due_timers (self);
  run_ready_watches (self);

  /* An outer dispatch may still hold what an inner one freed. */
  if (--self->dispatch_depth == 0)
    free_dead (self);
  ob_poller_unref (self);

  return G_SOURCE_CONTINUE;
}

static GSourceFuncs poller_source_funcs = {
  poller_source_prepare,
  poller_source_check,
  poller_source_dispatch,
  NULL,
  NULL,
  NULL,
};

/* ---- the poller ------------------------------------------------------------ */

ObPoller *
ob_poller_new (GMainContext *context)
{
  ObPoller *self = g_new0 (ObPoller, 1);
  PollerSource *source;

  self->ref_count = 1;
  self->context = context != NULL ? g_main_context_ref (context) : g_main_context_ref (g_main_context_default ());
  self->heap = g_ptr_array_new ();
  self->dead = g_ptr_array_new ();
  self->dead_timers = g_ptr_array_new ();
  self->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));

  source = (PollerSource *) g_source_new (&poller_source_funcs, sizeof (PollerSource));
  source->poller = self;
  self->source = (GSource *) source;
  g_source_set_static_name (self->source, "ObPoller");
  /* A source that may not recurse is blocked around each dispatch: GLib
   * takes its descriptor out of the poll set and puts it back, and each
   * of those wakes the context (two eventfd writes and an extra turn of
   * the loop per dispatch).  Nested dispatches are safe here: freed
   * watches and timers wait for the outermost one to end. */
  g_source_set_can_recurse (self->source, TRUE);
  g_source_add_unix_fd (self->source, self->epfd, G_IO_IN);
  g_source_attach (self->source, self->context);

  return self;
}

/* The pollers handed out by ob_poller_get_for_context(), one per context
 * while anyone holds it.  The lock only guards the table: each poller is
 * still used from its own context's thread. */
static GMutex      shared_lock;
static GHashTable *shared_pollers;   /* GMainContext * -> ObPoller * (not owned) */

ObPoller *
ob_poller_get_for_context (GMainContext *context)
{
  ObPoller *self;

  if (context == NULL)
    context = g_main_context_get_thread_default ();
  if (context == NULL)
    context = g_main_context_default ();

  g_mutex_lock (&shared_lock);
  if (shared_pollers == NULL)
    shared_pollers = g_hash_table_new (NULL, NULL);
  self = g_hash_table_lookup (shared_pollers, context);
  if (self != NULL)
    {
      self->ref_count++;
    }
  else
    {
      self = ob_poller_new (context);
      self->shared = TRUE;
      g_hash_table_insert (shared_pollers, context, self);
    }
  g_mutex_unlock (&shared_lock);

  return self;
}

ObPoller *
ob_poller_ref (ObPoller *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  self->ref_count++;
  return self;
}

void
ob_poller_unref (ObPoller *self)
{
  g_return_if_fail (self != NULL);

  if (self->shared)
    {
      gboolean last;

      g_mutex_lock (&shared_lock);
      last = --self->ref_count == 0;
      if (last)
        g_hash_table_remove (shared_pollers, self->context);
      g_mutex_unlock (&shared_lock);
      if (!last)
        return;
    }
  else if (--self->ref_count > 0)
    {
      return;
    }

  g_assert (self->n_watches == 0 && self->n_timers == 0);

  g_source_destroy (self->source);
  g_source_unref (self->source);
  close (self->epfd);
  free_dead (self);
  g_ptr_array_unref (self->heap);
  g_ptr_array_unref (self->dead);
  g_ptr_array_unref (self->dead_timers);
  g_main_context_unref (self->context);
  g_free (self);
}

GMainContext *
ob_poller_get_context (ObPoller *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->context;
}

gboolean
ob_poller_task_would_return_directly (GMainContext *context,
                                      gint64        created)
{
  GSource *current = g_main_current_source ();

  return current != NULL && g_source_get_context (current) == context
         && g_source_get_time (current) > created;
}

guint
ob_poller_get_n_watches (ObPoller *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_watches;
}

guint
ob_poller_get_n_timers (ObPoller *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->n_timers;
}

/* ---- watches ------------------------------------------------------------------ */

static void
watch_update (ObPollerWatch *watch,
              int               op)
{
  struct epoll_event event = { 0 };

  event.events = ((watch->events & G_IO_IN) != 0 ? EPOLLIN : 0)
                 | ((watch->events & G_IO_OUT) != 0 ? EPOLLOUT : 0);
  event.data.ptr = watch;
  if (epoll_ctl (watch->poller->epfd, op, watch->fd, &event) != 0)
    g_debug ("epoll_ctl on descriptor %d: %s", watch->fd, g_strerror (errno));
}

ObPollerWatch *
ob_poller_watch_new (ObPoller     *self,
                         int              fd,
                         ObPollerFunc  func,
                         gpointer         user_data)
{
  ObPollerWatch *watch;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (fd >= 0, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  watch = g_new0 (ObPollerWatch, 1);
  watch->poller = ob_poller_ref (self);
  watch->fd = fd;
  watch->func = func;
  watch->user_data = user_data;
  watch->events = G_IO_IN;
  watch->enabled = TRUE;
  self->n_watches++;
  watch_update (watch, EPOLL_CTL_ADD);

  return watch;
}

void
ob_poller_watch_set_enabled (ObPollerWatch *watch,
                                 gboolean          enabled)
{
  g_return_if_fail (watch != NULL && !watch->dead);

  enabled = !!enabled;
  if (watch->enabled == enabled)
    return;
  watch->enabled = enabled;
  watch_update (watch, enabled ? EPOLL_CTL_ADD : EPOLL_CTL_DEL);
}

gboolean
ob_poller_watch_get_enabled (ObPollerWatch *watch)
{
  g_return_val_if_fail (watch != NULL, FALSE);

  return watch->enabled;
}

void
ob_poller_watch_set_events (ObPollerWatch *watch,
                            GIOCondition   events)
{
  g_return_if_fail (watch != NULL && !watch->dead);

  events &= G_IO_IN | G_IO_OUT;
  if (watch->events == events)
    return;
  watch->events = events;
  if (watch->enabled)
    watch_update (watch, EPOLL_CTL_MOD);
}

GIOCondition
ob_poller_watch_get_events (ObPollerWatch *watch)
{
  g_return_val_if_fail (watch != NULL, 0);

  return watch->events;
}

void
ob_poller_watch_free (ObPollerWatch *watch)
{
  ObPoller *poller;

  if (watch == NULL)
    return;
  g_return_if_fail (!watch->dead);

  poller = watch->poller;
  if (watch->enabled)
    watch_update (watch, EPOLL_CTL_DEL);
  watch->enabled = FALSE;
  watch->dead = TRUE;
  poller->n_watches--;

  /* Events of the batch being dispatched may still point at it. */
  if (poller->dispatch_depth > 0)
    g_ptr_array_add (poller->dead, watch);
  else
    g_free (watch);
  ob_poller_unref (poller);
}

/* ---- timers ------------------------------------------------------------------- */

ObPollerTimer *
ob_poller_timer_new (ObPoller     *self,
                         ObPollerFunc  func,
                         gpointer         user_data)
{
  ObPollerTimer *timer;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (func != NULL, NULL);

  timer = g_new0 (ObPollerTimer, 1);
  timer->poller = ob_poller_ref (self);
  timer->func = func;
  timer->user_data = user_data;
  timer->index = NOT_SCHEDULED;
  self->n_timers++;

  return timer;
}

void
ob_poller_timer_schedule (ObPollerTimer *timer,
                              gint64            deadline)
{
  ObPoller *self;

  g_return_if_fail (timer != NULL && !timer->dead);

  self = timer->poller;
  if (timer->index != NOT_SCHEDULED)
    {
      gint64 old = timer->deadline;

      timer->deadline = deadline;
      if (deadline < old)
        heap_sift_up (self, timer->index);
      else
        heap_sift_down (self, timer->index);
    }
  else
    {
      timer->deadline = deadline;
      g_ptr_array_add (self->heap, timer);
      heap_sift_up (self, self->heap->len - 1);
    }
}

void
ob_poller_timer_cancel (ObPollerTimer *timer)
{
  g_return_if_fail (timer != NULL);

  if (timer->index == NOT_SCHEDULED)
    return;
  heap_remove (timer->poller, timer);
}

gboolean
ob_poller_timer_is_scheduled (ObPollerTimer *timer)
{
  g_return_val_if_fail (timer != NULL, FALSE);

  return timer->index != NOT_SCHEDULED;
}

void
ob_poller_timer_free (ObPollerTimer *timer)
{
  ObPoller *poller;

  if (timer == NULL)
    return;
  g_return_if_fail (!timer->dead);

  poller = timer->poller;
  ob_poller_timer_cancel (timer);
  timer->dead = TRUE;
  poller->n_timers--;

  /* The round of due timers being run may still hold it. */
  if (poller->dispatch_depth > 0)
    g_ptr_array_add (poller->dead_timers, timer);
  else
    g_free (timer);
  ob_poller_unref (poller);
}
