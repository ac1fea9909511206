/* source-count-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "source-count-util.h"

guint
source_count_mark (void)
{
  GSource *source = g_idle_source_new ();
  guint id = g_source_attach (source, NULL);

  g_source_destroy (source);
  g_source_unref (source);
  return id;
}

guint
source_count_since (guint *mark)
{
  guint now = source_count_mark ();
  guint n;

  g_assert_cmpuint (now, >, *mark);
  n = now - *mark - 1;
  *mark = now;
  return n;
}

gboolean
source_count_poll_until (SourceCountCondition cond,
                         gpointer             data,
                         guint                timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  while (!cond (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (500);
  return cond (data);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
source_count_poll_ms (guint ms)
{
  source_count_poll_until (never, NULL, ms);
}
