/* ob-apf-poller.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ObApfPoller: one GSource for many connections and their timers, so a
 * listener with thousands of idle CIRA sessions does not make every turn
 * of the main loop visit thousands of sources.  GLib polls each source's
 * file descriptors and calls each source's prepare and check on every
 * iteration; the poller keeps the descriptors in one epoll set (GLib sees
 * one descriptor) and the timers in a heap (GLib sees one ready time), so
 * a wakeup costs what is ready, not what is open.
 *
 * Watches are level-triggered for reading.  Callbacks run from the
 * poller's source on the context it was made for; a callback may add,
 * remove or free any watch or timer, its own included.  Not thread-safe:
 * use it from its context's thread only. */

typedef struct _ObApfPoller      ObApfPoller;
typedef struct _ObApfPollerWatch ObApfPollerWatch;
typedef struct _ObApfPollerTimer ObApfPollerTimer;

typedef void (*ObApfPollerFunc) (gpointer user_data);

/* Attaches its source to @context (NULL: the global default). */
ObApfPoller      *ob_apf_poller_new             (GMainContext     *context);
ObApfPoller      *ob_apf_poller_ref             (ObApfPoller      *self);
/* The last reference destroys the source; every watch and timer must have
 * been freed before. */
void              ob_apf_poller_unref           (ObApfPoller      *self);
GMainContext     *ob_apf_poller_get_context     (ObApfPoller      *self);
/* Watches and timers alive. */
guint             ob_apf_poller_get_n_watches   (ObApfPoller      *self);
guint             ob_apf_poller_get_n_timers    (ObApfPoller      *self);

/* @func runs while @fd is readable (or has hung up / failed).  The watch
 * starts enabled; it holds a reference on the poller. */
ObApfPollerWatch *ob_apf_poller_watch_new       (ObApfPoller      *self,
                                                 int               fd,
                                                 ObApfPollerFunc   func,
                                                 gpointer          user_data);
/* Stops or resumes watching (the descriptor leaves the set while off). */
void              ob_apf_poller_watch_set_enabled (ObApfPollerWatch *watch,
                                                   gboolean          enabled);
gboolean          ob_apf_poller_watch_get_enabled (ObApfPollerWatch *watch);
/* Removes the watch; call before closing its descriptor. */
void              ob_apf_poller_watch_free      (ObApfPollerWatch *watch);

/* A timer that is not scheduled until ob_apf_poller_timer_schedule(). */
ObApfPollerTimer *ob_apf_poller_timer_new       (ObApfPoller      *self,
                                                 ObApfPollerFunc   func,
                                                 gpointer          user_data);
/* Runs @func once at @deadline (g_get_monotonic_time() clock), replacing
 * any earlier schedule. */
void              ob_apf_poller_timer_schedule  (ObApfPollerTimer *timer,
                                                 gint64            deadline);
void              ob_apf_poller_timer_cancel    (ObApfPollerTimer *timer);
gboolean          ob_apf_poller_timer_is_scheduled (ObApfPollerTimer *timer);
void              ob_apf_poller_timer_free      (ObApfPollerTimer *timer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObApfPoller, ob_apf_poller_unref)

G_END_DECLS
