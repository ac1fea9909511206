/* ob-poller.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ObPoller: one GSource for many connections and their timers, so a
 * listener with thousands of idle CIRA sessions does not make every turn
 * of the main loop visit thousands of sources.  GLib polls each source's
 * file descriptors and calls each source's prepare and check on every
 * iteration; the poller keeps the descriptors in one epoll set (GLib sees
 * one descriptor) and the timers in a heap (GLib sees one timeout), so
 * a wakeup costs what is ready, not what is open.
 *
 * Watches are level-triggered, for reading unless told otherwise
 * (ob_poller_watch_set_events()).  Callbacks run from the
 * poller's source on the context it was made for; a callback may add,
 * remove or free any watch or timer, its own included.  Not thread-safe:
 * use it from its context's thread only. */

typedef struct _ObPoller      ObPoller;
typedef struct _ObPollerWatch ObPollerWatch;
typedef struct _ObPollerTimer ObPollerTimer;

typedef void (*ObPollerFunc) (gpointer user_data);

/* Attaches its source to @context (NULL: the global default). */
ObPoller      *ob_poller_new                 (GMainContext  *context);
/* The poller everyone on @context shares (NULL: the thread-default
 * context), made on first use and gone with its last reference: every
 * wait and timer on that context then costs GLib one source. */
ObPoller      *ob_poller_get_for_context     (GMainContext  *context);
ObPoller      *ob_poller_ref                 (ObPoller      *self);
/* The last reference destroys the source; every watch and timer must have
 * been freed before. */
void           ob_poller_unref               (ObPoller      *self);
GMainContext  *ob_poller_get_context         (ObPoller      *self);
/* Whether a GTask of @context made at @created (g_get_monotonic_time())
 * would call back directly if it returned now: GTask does so only inside a
 * source of its context dispatched in a later main loop iteration than the
 * one that made the task, and otherwise through an idle source of its own.
 * Completions deferred to the poller's next round use it to avoid that
 * source. */
gboolean       ob_poller_task_would_return_directly (GMainContext *context,
                                                     gint64        created);
/* Watches and timers alive. */
guint          ob_poller_get_n_watches       (ObPoller      *self);
guint          ob_poller_get_n_timers        (ObPoller      *self);

/* @func runs while @fd is readable (or has hung up / failed).  The watch
 * starts enabled; it holds a reference on the poller. */
ObPollerWatch *ob_poller_watch_new           (ObPoller      *self,
                                              int            fd,
                                              ObPollerFunc   func,
                                              gpointer       user_data);
/* Stops or resumes watching (the descriptor leaves the set while off). */
void           ob_poller_watch_set_enabled   (ObPollerWatch *watch,
                                              gboolean       enabled);
gboolean       ob_poller_watch_get_enabled   (ObPollerWatch *watch);
/* What wakes the watch: G_IO_IN (the default), G_IO_OUT or both; a hang-up
 * or an error always does.  @func is then called while any of them holds
 * and finds out which by trying. */
void           ob_poller_watch_set_events    (ObPollerWatch *watch,
                                              GIOCondition   events);
GIOCondition   ob_poller_watch_get_events    (ObPollerWatch *watch);
/* Removes the watch; call before closing its descriptor. */
void           ob_poller_watch_free          (ObPollerWatch *watch);

/* A timer that is not scheduled until ob_poller_timer_schedule(). */
ObPollerTimer *ob_poller_timer_new           (ObPoller      *self,
                                              ObPollerFunc   func,
                                              gpointer       user_data);
/* Runs @func once at @deadline (g_get_monotonic_time() clock), replacing
 * any earlier schedule. */
void           ob_poller_timer_schedule      (ObPollerTimer *timer,
                                              gint64         deadline);
void           ob_poller_timer_cancel        (ObPollerTimer *timer);
gboolean       ob_poller_timer_is_scheduled  (ObPollerTimer *timer);
void           ob_poller_timer_free          (ObPollerTimer *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObPoller, ob_poller_unref)

G_END_DECLS
