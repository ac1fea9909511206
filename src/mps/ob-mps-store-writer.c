/* ob-mps-store-writer.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-mps-store-writer.h"
#include "ob-util.h"

typedef enum
{
  JOB_MARK_ALL,
  JOB_CONNECTED,
  JOB_DISCONNECTED,
  JOB_LAST_SEEN,
  JOB_LOG,
  JOB_NOTIFY,
} JobKind;

typedef struct
{
  JobKind           kind;
  gint64            when;       /* real time, µs */
  char             *guid;
  char             *text;       /* mps instance / action */
  char             *target;
  char             *detail;
  ObActivityResult  result;
  GTask            *task;       /* JOB_NOTIFY */
} Job;

/* How long the thread gathers after the first job before it writes: a
 * storm of connects becomes one transaction every so often, and the main
 * thread queues without waking the thread for each one. */
#define GATHER_USEC (50 * G_TIME_SPAN_MILLISECOND)

struct _ObMpsStoreWriter
{
  ObStore   *store;
  GThread   *thread;

  GMutex     mutex;
  GCond      work_cond;         /* the thread waits here for jobs */
  GCond      done_cond;         /* flushes wait here */
  GPtrArray *queue;             /* Job */
  guint64    n_queued;
  guint64    n_done;
  guint64    n_transactions;
  guint      n_flushing;        /* blocked in ob_mps_store_writer_flush() */
  gboolean   idle;              /* the thread waits for a first job */
  gboolean   hurry;             /* a flush waits: write without gathering */
  gboolean   quit;
};

static void
job_free (Job *job)
{
  g_free (job->guid);
  g_free (job->text);
  g_free (job->target);
  g_free (job->detail);
  g_clear_object (&job->task);
  g_free (job);
}

/* Inside one transaction; each store call is its own savepoint, so one
 * that fails takes only itself back. */
static gboolean
write_jobs (ObStore   *store,
            gpointer   user_data,
            GError   **error)
{
  GPtrArray *batch = user_data;

  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = g_ptr_array_index (batch, i);
      g_autoptr(GDateTime) when = ob_date_time_new_from_real_time (job->when);
      g_autoptr(GError) local_error = NULL;
      gboolean ok = TRUE;

      switch (job->kind)
        {
        case JOB_MARK_ALL:
          ok = ob_store_mark_all_devices_disconnected (store, when, &local_error);
          break;

        case JOB_CONNECTED:
          ok = ob_store_set_device_connection (store, job->guid, TRUE, job->text, when,
                                               &local_error);
          break;

        case JOB_DISCONNECTED:
          ok = ob_store_set_device_connection (store, job->guid, FALSE, NULL, when,
                                               &local_error);
          break;

        case JOB_LAST_SEEN:
          ok = ob_store_set_device_last_seen (store, job->guid, when, &local_error);
          break;

        case JOB_LOG:
          {
            g_autoptr(ObActivityEntry) entry = ob_activity_entry_new (OB_ACTIVITY_ACTOR_MPS,
                                                                      job->text);

            ob_activity_entry_set_timestamp (entry, job->when);
            ob_activity_entry_set_device_guid (entry, job->guid);
            ob_activity_entry_set_target (entry, job->target);
            ob_activity_entry_set_result (entry, job->result);
            ob_activity_entry_set_detail (entry, job->detail);
            ok = ob_store_append_activity (store, entry, &local_error);
          }
          break;

        case JOB_NOTIFY:
        default:
          break;
        }

      /* A device deleted while it was connected, a GUID the store finds
       * malformed: nothing to record, and no reason to lose the rest. */
      if (!ok)
        g_debug ("CIRA store write skipped: %s", local_error->message);
    }

  return TRUE;
}

static gpointer
writer_thread (gpointer data)
{
  ObMpsStoreWriter *self = data;

  g_mutex_lock (&self->mutex);
  for (;;)
    {
      g_autoptr(GPtrArray) batch = NULL;
      g_autoptr(GError) error = NULL;
      gint64 deadline;
      guint n;

      self->idle = TRUE;
      while (self->queue->len == 0 && !self->quit)
        g_cond_wait (&self->work_cond, &self->mutex);
      self->idle = FALSE;
      if (self->queue->len == 0)
        break;

      /* Gather what the next moments bring, unless someone waits. */
      deadline = g_get_monotonic_time () + GATHER_USEC;
      while (!self->hurry && !self->quit &&
             g_cond_wait_until (&self->work_cond, &self->mutex, deadline))
        ;
      self->hurry = FALSE;

      batch = g_steal_pointer (&self->queue);
      self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
      n = batch->len;
      g_mutex_unlock (&self->mutex);

      if (!ob_store_run_in_transaction (self->store, write_jobs, batch, &error))
        g_message ("Could not record the state of CIRA connections: %s", error->message);

      for (guint i = 0; i < batch->len; i++)
        {
          Job *job = g_ptr_array_index (batch, i);

          if (job->kind == JOB_NOTIFY)
            g_task_return_boolean (job->task, TRUE);
        }
      g_clear_pointer (&batch, g_ptr_array_unref);

      g_mutex_lock (&self->mutex);
      self->n_done += n;
      self->n_transactions++;
      if (self->n_flushing > 0)
        g_cond_broadcast (&self->done_cond);
    }
  g_mutex_unlock (&self->mutex);

  return NULL;
}

ObMpsStoreWriter *
ob_mps_store_writer_new (ObStore *store)
{
  ObMpsStoreWriter *self;

  g_return_val_if_fail (OB_IS_STORE (store), NULL);

  self = g_new0 (ObMpsStoreWriter, 1);
  self->store = g_object_ref (store);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) job_free);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  self->thread = g_thread_new ("ob-mps-store", writer_thread, self);

  return self;
}

void
ob_mps_store_writer_free (ObMpsStoreWriter *self)
{
  if (self == NULL)
    return;

  g_mutex_lock (&self->mutex);
  self->quit = TRUE;
  g_cond_signal (&self->work_cond);
  g_mutex_unlock (&self->mutex);
  g_thread_join (self->thread);

  g_ptr_array_unref (self->queue);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);
  g_object_unref (self->store);
  g_free (self);
}

/* The thread is woken only when it waits for a first job (a signal is a
 * system call), or when @hurry: someone waits for this job. */
static void
push_full (ObMpsStoreWriter *self,
           Job              *job,
           gboolean          hurry)
{
  job->when = g_get_real_time ();

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->queue, job);
  self->n_queued++;
  if (hurry)
    self->hurry = TRUE;
  if (self->idle || hurry)
    {
      self->idle = FALSE;
      g_cond_signal (&self->work_cond);
    }
  g_mutex_unlock (&self->mutex);
}

static void
push (ObMpsStoreWriter *self,
      Job              *job)
{
  push_full (self, job, FALSE);
}

static Job *
job_new (JobKind     kind,
         const char *guid)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->guid = g_strdup (guid);

  return job;
}

void
ob_mps_store_writer_mark_all_disconnected (ObMpsStoreWriter *self)
{
  g_return_if_fail (self != NULL);

  push (self, job_new (JOB_MARK_ALL, NULL));
}

void
ob_mps_store_writer_connected (ObMpsStoreWriter *self,
                               const char       *guid,
                               const char       *mps_instance)
{
  Job *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (guid != NULL);

  job = job_new (JOB_CONNECTED, guid);
  job->text = g_strdup (mps_instance);
  push (self, job);
}

void
ob_mps_store_writer_disconnected (ObMpsStoreWriter *self,
                                  const char       *guid)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (guid != NULL);

  push (self, job_new (JOB_DISCONNECTED, guid));
}

void
ob_mps_store_writer_last_seen (ObMpsStoreWriter *self,
                               const char       *guid)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (guid != NULL);

  push (self, job_new (JOB_LAST_SEEN, guid));
}

void
ob_mps_store_writer_log (ObMpsStoreWriter *self,
                         const char       *action,
                         const char       *device_guid,
                         const char       *target,
                         ObActivityResult  result,
                         const char       *detail)
{
  Job *job;

  g_return_if_fail (self != NULL);
  g_return_if_fail (action != NULL);

  job = job_new (JOB_LOG, device_guid);
  job->text = g_strdup (action);
  job->target = g_strdup (target);
  job->result = result;
  job->detail = g_strdup (detail);
  push (self, job);
}

void
ob_mps_store_writer_flush_async (ObMpsStoreWriter    *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Job *job;

  g_return_if_fail (self != NULL);

  job = job_new (JOB_NOTIFY, NULL);
  job->task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, ob_mps_store_writer_flush_async);
  push_full (self, job, TRUE);
}

gboolean
ob_mps_store_writer_flush_finish (ObMpsStoreWriter  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ob_mps_store_writer_flush (ObMpsStoreWriter *self)
{
  guint64 target;

  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  target = self->n_queued;
  if (self->n_done < target)
    {
      self->hurry = TRUE;
      g_cond_signal (&self->work_cond);
    }
  self->n_flushing++;
  while (self->n_done < target)
    g_cond_wait (&self->done_cond, &self->mutex);
  self->n_flushing--;
  g_mutex_unlock (&self->mutex);
}

void
ob_mps_store_writer_get_counts (ObMpsStoreWriter *self,
                                guint64          *n_written,
                                guint64          *n_transactions)
{
  g_return_if_fail (self != NULL);

  g_mutex_lock (&self->mutex);
  if (n_written != NULL)
    *n_written = self->n_done;
  if (n_transactions != NULL)
    *n_transactions = self->n_transactions;
  g_mutex_unlock (&self->mutex);
}
