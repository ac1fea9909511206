/* ob-device-registry.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-identity.h"
#include "ob-device-private.h"
#include "ob-device-registry.h"
#include "ob-lan-stream-source.h"
#include "ob-util.h"
#include "ob-wsman-client.h"

#define LAN_HTTP_PORT 16992
#define LAN_TLS_PORT  16993

struct _ObDeviceRegistry
{
  GObject        parent_instance;

  ObStore       *store;
  ObSecretStore *secrets;

  /* The model: ObDevice in list order, and the same devices by GUID. */
  GPtrArray     *devices;
  GHashTable    *by_guid;
  /* The devices of the model that count as connected now
   * (ob_device_is_connected), less those being removed: its size is
   * devices/stats' connectedCount, kept as devices come, go, connect and
   * disconnect rather than counted per request. */
  GHashTable    *connected;
  /* ObDevice -> removals in flight (GUINT_TO_POINTER); each holds a ref. */
  GHashTable    *leaving;

  gboolean       loaded;

  /* Polling. */
  guint          poll_interval;
  guint          cira_poll_interval;  /* 0: CIRA devices are not polled */
  gboolean       polling;
  guint          poll_timeout_id;
  GCancellable  *poll_cancellable;
  /* Devices the poll is refreshing now. */
  GHashTable    *poll_in_flight;
  /* The devices the poll looks at (borrowed from the model): those with a
   * transport source, LAN ones always, CIRA ones only while
   * cira_poll_interval is not 0; in the order they became pollable.  The
   * poll walks these after every refresh rather than the whole model,
   * which with thousands of CIRA devices (not polled by default) were
   * skipped one by one each time. */
  GQueue         polled;
  /* ObDevice -> its GList link in polled. */
  GHashTable    *polled_links;
  /* Devices to refresh before anything the poll has due (owned refs). */
  GQueue         refresh_queue;
  /* ObDevice -> its GList link in refresh_queue: a connect storm queues
   * thousands, and each queueing asks whether the device is already in. */
  GHashTable    *refresh_links;
  /* When the last CIRA device arrived (monotonic): while devices keep
   * arriving, queued refreshes run one at a time. */
  gint64         last_arrival;
  guint          storm_timeout_id;   /* widens the limit when arrivals stop */
};

/* Arrivals closer together than this are a connect storm.  Accepting
 * devices (TLS, APF, authentication) then comes before learning their
 * state: each first refresh costs both ends several WS-Man exchanges, and
 * sixteen of them at once took about 40 % of the listener's CPU while
 * thousands were still waiting to connect.  One keeps going, so a steady
 * trickle of reconnecting devices never starves the queue. */
#define ARRIVAL_QUIET_US (250 * G_TIME_SPAN_MILLISECOND)

static void ob_device_registry_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObDeviceRegistry, ob_device_registry, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL,
                                                      ob_device_registry_list_model_init))

/* The refresh queue holds a reference on each device in it. */
static void
refresh_queue_push (ObDeviceRegistry *self,
                    ObDevice         *device,
                    gboolean          at_head)
{
  if (at_head)
    g_queue_push_head (&self->refresh_queue, device);
  else
    g_queue_push_tail (&self->refresh_queue, device);
  g_hash_table_insert (self->refresh_links, device,
                       at_head ? self->refresh_queue.head : self->refresh_queue.tail);
}

static ObDevice *
refresh_queue_pop (ObDeviceRegistry *self)
{
  ObDevice *device = g_queue_pop_head (&self->refresh_queue);

  if (device != NULL)
    g_hash_table_remove (self->refresh_links, device);
  return device;
}

/* Drops the device (and the queue's reference) if it is queued. */
static void
refresh_queue_remove (ObDeviceRegistry *self,
                      ObDevice         *device)
{
  GList *link = g_hash_table_lookup (self->refresh_links, device);

  if (link == NULL)
    return;
  g_hash_table_remove (self->refresh_links, device);
  g_queue_delete_link (&self->refresh_queue, link);
  g_object_unref (device);
}

enum {
  PROP_0,
  PROP_STORE,
  PROP_SECRETS,
  PROP_LOADED,
  PROP_POLLING,
  PROP_POLL_INTERVAL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_poll (ObDeviceRegistry *self);

/* Whether the poll visits @device (one of the model): it has a transport
 * source, and it is not a CIRA device while CIRA polling is off. */
static gboolean
is_pollable (ObDeviceRegistry *self,
             ObDevice         *device)
{
  if (ob_device_get_transport_source (device) == NULL)
    return FALSE;
  return ob_device_get_transport (device) != OB_DEVICE_TRANSPORT_CIRA || self->cira_poll_interval != 0;
}

static void
polled_remove (ObDeviceRegistry *self,
               ObDevice         *device)
{
  GList *link = g_hash_table_lookup (self->polled_links, device);

  if (link == NULL)
    return;
  g_hash_table_remove (self->polled_links, device);
  g_queue_delete_link (&self->polled, link);
}

/* Called whenever what is_pollable() depends on may have changed: a
 * hash lookup, so every state change of every device may call it. */
static void
update_polled (ObDeviceRegistry *self,
               ObDevice         *device)
{
  if (!is_pollable (self, device))
    polled_remove (self, device);
  else if (!g_hash_table_contains (self->polled_links, device))
    {
      g_queue_push_tail (&self->polled, device);
      g_hash_table_insert (self->polled_links, device, self->polled.tail);
    }
}

/* GListModel */

static GType
ob_device_registry_get_item_type (GListModel *model)
{
  return OB_TYPE_DEVICE;
}

static guint
ob_device_registry_get_n_items (GListModel *model)
{
  return OB_DEVICE_REGISTRY (model)->devices->len;
}

static gpointer
ob_device_registry_get_item (GListModel *model,
                             guint       position)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (model);

  if (position >= self->devices->len)
    return NULL;

  return g_object_ref (g_ptr_array_index (self->devices, position));
}

static void
ob_device_registry_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = ob_device_registry_get_item_type;
  iface->get_n_items = ob_device_registry_get_n_items;
  iface->get_item = ob_device_registry_get_item;
}

/* Membership */

static char *
guid_key (const char *guid)
{
  return g_ascii_strdown (guid, -1);
}

ObDevice *
ob_device_registry_lookup (ObDeviceRegistry *self,
                           const char       *guid)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), NULL);

  if (guid == NULL)
    return NULL;

  key = guid_key (guid);
  return g_hash_table_lookup (self->by_guid, key);
}

/* LAN devices report reachability; the store's connection status (what
 * the REST API's devices and stats show) follows it. */
static void
store_connection_thread (GTask        *task,
                         gpointer      source_object,
                         gpointer      task_data,
                         GCancellable *cancellable)
{
  ObDeviceRegistry *self = source_object;
  ObDeviceRecord *record = task_data;
  g_autoptr(GError) error = NULL;

  if (!ob_store_set_device_connection (self->store, ob_device_record_get_guid (record),
                                       ob_device_record_get_connection_status (record),
                                       NULL, NULL, &error))
    g_debug ("Could not store the connection state of %s: %s",
             ob_device_record_get_guid (record), error->message);
  g_task_return_boolean (task, TRUE);
}

/* Counted connected: in the model, connected, and not being removed (its
 * row may be gone already, and the store's count with it). */
static void
update_connected (ObDeviceRegistry *self,
                  ObDevice         *device)
{
  if (ob_device_is_connected (device) && !g_hash_table_contains (self->leaving, device))
    g_hash_table_add (self->connected, device);
  else
    g_hash_table_remove (self->connected, device);
}

static void
reachability_changed (ObDeviceRegistry *self,
                      ObDevice         *device)
{
  g_autoptr(GTask) task = NULL;
  ObDeviceRecord *record;
  ObDeviceReachability reachability = ob_device_get_reachability (device);

  if (reachability == OB_DEVICE_REACHABILITY_UNKNOWN ||
      ob_device_get_transport (device) != OB_DEVICE_TRANSPORT_LAN)
    return;

  record = ob_device_record_new (ob_device_get_guid (device));
  ob_device_record_set_connection_status (record,
                                          reachability == OB_DEVICE_REACHABILITY_REACHABLE);

  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_source_tag (task, reachability_changed);
  g_task_set_task_data (task, record, g_object_unref);
  g_task_run_in_thread (task, store_connection_thread);
}

/* A device's own hook rather than a notify handler: a handler and its
 * closure cost some 200 bytes per device. */
static void
device_state_cb (ObDevice *device,
                 gboolean  reachability,
                 gpointer  user_data)
{
  ObDeviceRegistry *self = user_data;

  if (reachability)
    reachability_changed (self, device);
  update_connected (self, device);
  update_polled (self, device);
}

static void
append_devices (ObDeviceRegistry *self,
                GPtrArray        *devices)
{
  guint position = self->devices->len;

  if (devices->len == 0)
    return;

  for (guint i = 0; i < devices->len; i++)
    {
      ObDevice *device = g_ptr_array_index (devices, i);

      g_ptr_array_add (self->devices, g_object_ref (device));
      g_hash_table_insert (self->by_guid, guid_key (ob_device_get_guid (device)), device);
      _ob_device_set_state_func (device, device_state_cb, self);
      update_connected (self, device);
      update_polled (self, device);
    }

  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, devices->len);

  if (self->polling)
    schedule_poll (self);
}

static void
remove_device (ObDeviceRegistry *self,
               ObDevice         *device)
{
  guint position;
  g_autofree char *key = guid_key (ob_device_get_guid (device));

  if (!g_ptr_array_find (self->devices, device, &position))
    return;

  g_hash_table_remove (self->by_guid, key);
  g_hash_table_remove (self->connected, device);
  polled_remove (self, device);
  refresh_queue_remove (self, device);
  _ob_device_set_state_func (device, NULL, NULL);
  /* The model's reference goes last, after the signal. */
  g_object_ref (device);
  g_ptr_array_remove_index (self->devices, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  g_object_unref (device);
}

/* Loading */

typedef struct
{
  GPtrArray *records;    /* ObDeviceRecord */
  GPtrArray *passwords;  /* char*, wiped when freed; NULL entries allowed */
} LoadResult;

static void
load_result_free (gpointer data)
{
  LoadResult *result = data;

  g_clear_pointer (&result->records, g_ptr_array_unref);
  g_clear_pointer (&result->passwords, g_ptr_array_unref);
  g_free (result);
}

static void
load_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ObDeviceRegistry *self = source_object;
  g_autoptr(GError) error = NULL;
  LoadResult *result;
  GPtrArray *records;

  records = ob_store_list_devices (self->store, NULL, NULL, &error);
  if (records == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  result = g_new0 (LoadResult, 1);
  result->records = records;
  result->passwords = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_secure_free_string);

  for (guint i = 0; i < records->len; i++)
    {
      ObDeviceRecord *record = g_ptr_array_index (records, i);
      g_autoptr(GError) local_error = NULL;
      char *password;

      if (g_task_return_error_if_cancelled (task))
        {
          load_result_free (result);
          return;
        }

      password = ob_secret_store_lookup_text_sync (self->secrets, OB_SECRET_OWNER_DEVICE,
                                                   ob_device_record_get_guid (record),
                                                   OB_SECRET_KIND_AMT_PASSWORD,
                                                   cancellable, &local_error);
      /* A missing or unreadable password still lists the device; it will
       * show as auth-failed and the admin can set the password again. */
      if (local_error != NULL)
        g_debug ("No AMT password for %s: %s", ob_device_record_get_guid (record),
                 local_error->message);
      g_ptr_array_add (result->passwords, password);
    }

  g_task_return_pointer (task, result, load_result_free);
}

static void
load_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) added = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autoptr(GPtrArray) gone = NULL;
  LoadResult *load;

  load = g_task_propagate_pointer (G_TASK (result), &error);
  if (load == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Reconcile: a second load keeps the device objects the UI holds,
   * updating their records, adds new ones and drops those deleted. */
  added = g_ptr_array_new_with_free_func (g_object_unref);
  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < load->records->len; i++)
    {
      ObDeviceRecord *record = g_ptr_array_index (load->records, i);
      const char *password = g_ptr_array_index (load->passwords, i);
      ObDevice *device = ob_device_registry_lookup (self, ob_device_record_get_guid (record));

      if (device != NULL)
        {
          ob_device_set_record (device, record);
          if (password != NULL)
            ob_device_set_password (device, password);
          g_hash_table_add (seen, device);
        }
      else
        {
          device = ob_device_new (record, password, NULL);
          g_ptr_array_add (added, device);
          g_hash_table_add (seen, device);
        }
    }

  gone = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->devices->len; i++)
    {
      ObDevice *device = g_ptr_array_index (self->devices, i);

      if (!g_hash_table_contains (seen, device))
        g_ptr_array_add (gone, g_object_ref (device));
    }
  for (guint i = 0; i < gone->len; i++)
    remove_device (self, g_ptr_array_index (gone, i));

  append_devices (self, added);
  load_result_free (load);

  if (!self->loaded)
    {
      self->loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
    }

  g_task_return_boolean (task, TRUE);
}

void
ob_device_registry_load_async (ObDeviceRegistry    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) worker = NULL;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_load_async);

  worker = g_task_new (self, cancellable, load_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (worker, load_thread);
  g_task_run_in_thread (worker, load_thread);
}

gboolean
ob_device_registry_load_finish (ObDeviceRegistry  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Probing a new device: its GUID and one refresh, in parallel */

typedef struct
{
  ObDevice *device;
  guint     n_pending;
  char     *guid;
  GError   *guid_error;
  GError   *refresh_error;
} Probe;

static void
probe_free (gpointer data)
{
  Probe *probe = data;

  g_clear_object (&probe->device);
  g_free (probe->guid);
  g_clear_error (&probe->guid_error);
  g_clear_error (&probe->refresh_error);
  g_free (probe);
}

static void probe_done (GTask *task);

static void
probe_guid_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);

  probe->guid = _ob_device_fetch_guid_finish (OB_DEVICE (object), result, &probe->guid_error);
  probe_done (task);
}

static void
probe_refresh_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);

  ob_device_refresh_finish (OB_DEVICE (object), result, &probe->refresh_error);
  probe_done (task);
}

/* The error that best explains a failed probe: the GUID request's, but a
 * wrong password or a dead host seen by the refresh says more than a
 * missing GUID. */
static GError *
probe_error (Probe *probe)
{
  if (probe->guid != NULL)
    return NULL;

  if (probe->refresh_error != NULL &&
      g_error_matches (probe->guid_error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NO_GUID) &&
      ob_device_get_reachability (probe->device) != OB_DEVICE_REACHABILITY_REACHABLE)
    return g_error_copy (probe->refresh_error);

  return g_error_copy (probe->guid_error);
}

typedef void (*ProbeDoneFunc) (GTask *task);

static void
start_probe (GTask         *task,
             ObDevice      *device,
             gboolean       refresh,
             GCancellable  *cancellable,
             ProbeDoneFunc  done)
{
  Probe *probe = g_new0 (Probe, 1);

  probe->device = g_object_ref (device);
  probe->n_pending = refresh ? 2 : 1;
  g_task_set_task_data (task, probe, probe_free);
  g_object_set_data (G_OBJECT (task), "ob-probe-done", done);

  /* Each callback holds one reference. */
  _ob_device_fetch_guid_async (device, cancellable, probe_guid_cb, g_object_ref (task));
  if (refresh)
    ob_device_refresh_async (device, cancellable, probe_refresh_cb, g_object_ref (task));
}

static void
probe_done (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);
  ProbeDoneFunc done;

  if (--probe->n_pending > 0)
    {
      g_object_unref (task);
      return;
    }

  done = g_object_get_data (G_OBJECT (task), "ob-probe-done");
  done (task);
  g_object_unref (task);
}

/* A record for a LAN device from the add/test arguments. */
static ObDeviceRecord *
make_lan_record (const char         *host,
                 guint               port,
                 gboolean            use_tls,
                 const char         *pinned_fingerprint,
                 gboolean            legacy_tls,
                 const char         *friendly_name,
                 const char * const *tags,
                 const char         *username,
                 GError            **error)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autofree char *pin = NULL;
  g_autofree char *trimmed_host = NULL;
  const char * const no_tags[] = { NULL };

  trimmed_host = g_strstrip (g_strdup (host != NULL ? host : ""));
  if (*trimmed_host == '\0')
    {
      g_set_error_literal (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                           "Enter the device's host name or address");
      return NULL;
    }
  if (port > 65535)
    {
      g_set_error (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                   "%u is not a valid port", port);
      return NULL;
    }
  if (pinned_fingerprint != NULL && *pinned_fingerprint != '\0')
    {
      pin = ob_lan_stream_source_normalize_fingerprint (pinned_fingerprint, error);
      if (pin == NULL)
        return NULL;
    }
  if (use_tls && pin == NULL)
    {
      g_set_error_literal (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED,
                           "Check the device's certificate fingerprint and confirm it "
                           "before connecting with TLS");
      return NULL;
    }

  record = ob_device_record_new (NULL);
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_LAN);
  ob_device_record_set_host (record, trimmed_host);
  ob_device_record_set_hostname (record, trimmed_host);
  ob_device_record_set_port (record, port != 0 ? port : use_tls ? LAN_TLS_PORT : LAN_HTTP_PORT);
  ob_device_record_set_use_tls (record, use_tls);
  ob_device_record_set_allow_self_signed (record, use_tls);
  ob_device_record_set_pinned_fingerprint (record, use_tls ? pin : NULL);
  ob_device_record_set_legacy_tls (record, legacy_tls);
  if (friendly_name != NULL && *friendly_name != '\0')
    ob_device_record_set_friendly_name (record, friendly_name);
  ob_device_record_set_tags (record, tags != NULL ? tags : no_tags);
  ob_device_record_set_amt_username (record,
                                     username != NULL && *username != '\0' ? username : "admin");

  return g_steal_pointer (&record);
}

/* Adding a LAN device */

typedef struct
{
  ObDeviceRecord *record;
  char           *password;
} StoreJob;

static void
store_job_free (gpointer data)
{
  StoreJob *job = data;

  g_clear_object (&job->record);
  ob_secure_free_string (job->password);
  g_free (job);
}

/* Store row first, then the password; a failed keyring write takes the
 * row out again, so a failed add leaves nothing behind, and never touches
 * the secrets of a device that was already there. */
static void
add_store_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  ObDeviceRegistry *self = source_object;
  StoreJob *job = task_data;
  g_autoptr(GError) error = NULL;
  const char *guid = ob_device_record_get_guid (job->record);

  if (!ob_store_insert_device (self->store, job->record, &error))
    {
      if (g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE))
        g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE,
                                 "A device with GUID %s is already managed", guid);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!ob_secret_store_store_text_sync (self->secrets, OB_SECRET_OWNER_DEVICE, guid,
                                        OB_SECRET_KIND_AMT_PASSWORD, job->password,
                                        NULL, &error))
    {
      g_autoptr(GError) delete_error = NULL;

      if (!ob_store_delete_device (self->store, guid, &delete_error))
        g_warning ("Could not take back the device %s after the keyring failed: %s",
                   guid, delete_error->message);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* It just answered: connected, as far as the REST API's status goes. */
  if (!ob_store_set_device_connection (self->store, guid, TRUE, NULL, NULL, &error))
    g_debug ("Could not store the connection state of %s: %s", guid, error->message);

  g_task_return_boolean (task, TRUE);
}

static void
add_stored_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  StoreJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) added = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The store set the version and normalised the GUID. */
  ob_device_set_record (probe->device, job->record);

  if (ob_device_registry_lookup (self, ob_device_get_guid (probe->device)) == NULL)
    {
      added = g_ptr_array_new ();
      g_ptr_array_add (added, probe->device);
      append_devices (self, added);
      _ob_device_set_last_polled (probe->device, g_get_monotonic_time ());
    }

  g_task_return_pointer (task, g_object_ref (probe->device), g_object_unref);
}

static void
add_probe_done (GTask *task)
{
  ObDeviceRegistry *self = g_task_get_source_object (task);
  Probe *probe = g_task_get_task_data (task);
  GError *error = probe_error (probe);
  g_autoptr(GTask) store_task = NULL;
  StoreJob *job;

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (ob_device_registry_lookup (self, probe->guid) != NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE,
                               "This device (GUID %s) is already managed as %s",
                               probe->guid,
                               ob_device_get_name (ob_device_registry_lookup (self, probe->guid)));
      return;
    }

  /* From here the device is being stored: report what really happened,
   * even if the caller cancels meanwhile. */
  g_task_set_check_cancellable (task, FALSE);

  job = g_new0 (StoreJob, 1);
  /* The device's record carries the device info the refresh found. */
  job->record = ob_device_dup_record (probe->device);
  ob_device_record_set_guid (job->record, probe->guid);
  job->password = g_strdup (g_object_get_data (G_OBJECT (task), "ob-password"));

  store_task = g_task_new (self, NULL, add_stored_cb, g_object_ref (task));
  g_task_set_source_tag (store_task, add_store_thread);
  g_task_set_task_data (store_task, job, store_job_free);
  g_task_run_in_thread (store_task, add_store_thread);
}

void
ob_device_registry_add_lan_device_async (ObDeviceRegistry    *self,
                                         const char          *host,
                                         guint                port,
                                         gboolean             use_tls,
                                         const char          *pinned_fingerprint,
                                         gboolean             legacy_tls,
                                         const char          *friendly_name,
                                         const char * const  *tags,
                                         const char          *username,
                                         const char          *password,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_add_lan_device_async);

  record = make_lan_record (host, port, use_tls, pinned_fingerprint, legacy_tls,
                            friendly_name, tags, username, &error);
  if (record == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (password == NULL || *password == '\0')
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                               "Enter the device's AMT password");
      return;
    }

  for (guint i = 0; i < self->devices->len; i++)
    {
      ObDevice *other = g_ptr_array_index (self->devices, i);

      if (ob_device_get_transport (other) == OB_DEVICE_TRANSPORT_LAN &&
          g_ascii_strcasecmp (ob_device_get_host (other), ob_device_record_get_host (record)) == 0 &&
          ob_device_get_port (other) == ob_device_record_get_port (record))
        {
          g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_DUPLICATE,
                                   "%s port %u is already managed as %s",
                                   ob_device_record_get_host (record),
                                   ob_device_record_get_port (record),
                                   ob_device_get_name (other));
          return;
        }
    }

  device = ob_device_new (record, password, NULL);
  g_object_set_data_full (G_OBJECT (task), "ob-password", g_strdup (password),
                          (GDestroyNotify) ob_secure_free_string);
  start_probe (task, device, TRUE, cancellable, add_probe_done);
}

ObDevice *
ob_device_registry_add_lan_device_finish (ObDeviceRegistry  *self,
                                          GAsyncResult      *result,
                                          GError           **error)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Testing a connection */

static void
test_probe_done (GTask *task)
{
  Probe *probe = g_task_get_task_data (task);
  GError *error = probe_error (probe);

  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
test_version_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  g_autoptr(ObAmtVersion) version = NULL;
  g_autoptr(JsonNode) json = NULL;

  json = ob_amt_version_finish (OB_WSMAN_CLIENT (object), result, &version,
                                &probe->refresh_error);
  if (json != NULL && version != NULL && *version->amt_version != '\0')
    g_object_set_data_full (G_OBJECT (task), "ob-amt-version",
                            g_strdup (version->amt_version), g_free);
  probe_done (task);
}

void
ob_device_registry_test_connection_async (ObDeviceRegistry    *self,
                                          const char          *host,
                                          guint                port,
                                          gboolean             use_tls,
                                          const char          *pinned_fingerprint,
                                          gboolean             legacy_tls,
                                          const char          *username,
                                          const char          *password,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GError) error = NULL;
  Probe *probe;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_test_connection_async);

  record = make_lan_record (host, port, use_tls, pinned_fingerprint, legacy_tls, NULL, NULL,
                            username, &error);
  if (record == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  device = ob_device_new (record, password, NULL);
  start_probe (task, device, FALSE, cancellable, test_probe_done);

  /* The version alongside the GUID; the client runs both at once. */
  probe = g_task_get_task_data (task);
  probe->n_pending++;
  ob_amt_version_async (ob_device_get_wsman_client (device), cancellable, test_version_cb,
                        g_object_ref (task));
}

gboolean
ob_device_registry_test_connection_finish (ObDeviceRegistry  *self,
                                           GAsyncResult      *result,
                                           char             **amt_version,
                                           char             **guid,
                                           GError           **error)
{
  Probe *probe;

  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  probe = g_task_get_task_data (G_TASK (result));
  if (amt_version != NULL)
    *amt_version = g_strdup (g_object_get_data (G_OBJECT (result), "ob-amt-version"));
  if (guid != NULL)
    *guid = g_strdup (probe->guid);

  return TRUE;
}

/* Updating */

static void
update_store_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ObDeviceRegistry *self = source_object;
  StoreJob *job = task_data;
  g_autoptr(GError) error = NULL;

  if (!ob_store_update_device (self->store, job->record, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (job->password != NULL &&
      !ob_secret_store_store_text_sync (self->secrets, OB_SECRET_OWNER_DEVICE,
                                        ob_device_record_get_guid (job->record),
                                        OB_SECRET_KIND_AMT_PASSWORD, job->password,
                                        NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
update_stored_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);
  g_autoptr(GTask) task = user_data;
  StoreJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  ObDevice *device;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Removed while the update ran: the store row is what it is. */
  device = ob_device_registry_lookup (self, ob_device_record_get_guid (job->record));
  if (device != NULL)
    {
      ob_device_set_record (device, job->record);
      if (job->password != NULL)
        ob_device_set_password (device, job->password);
    }

  g_task_return_boolean (task, TRUE);
}

void
ob_device_registry_update_device_async (ObDeviceRegistry    *self,
                                        ObDeviceRecord      *record,
                                        const char          *new_password,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) store_task = NULL;
  g_autofree char *pin = NULL;
  StoreJob *job;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));
  g_return_if_fail (OB_IS_DEVICE_RECORD (record));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_update_device_async);

  if (ob_device_registry_lookup (self, ob_device_record_get_guid (record)) == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_FOUND,
                               "No device with GUID %s",
                               ob_device_record_get_guid (record) != NULL
                                 ? ob_device_record_get_guid (record) : "(none)");
      return;
    }
  if (new_password != NULL && *new_password == '\0')
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                               "The AMT password cannot be empty");
      return;
    }
  if (ob_device_record_get_pinned_fingerprint (record) != NULL)
    {
      g_autoptr(GError) error = NULL;

      pin = ob_lan_stream_source_normalize_fingerprint (ob_device_record_get_pinned_fingerprint (record),
                                                        &error);
      if (pin == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  job = g_new0 (StoreJob, 1);
  job->record = ob_device_record_copy (record);
  if (pin != NULL)
    ob_device_record_set_pinned_fingerprint (job->record, pin);
  job->password = g_strdup (new_password);

  store_task = g_task_new (self, cancellable, update_stored_cb, g_steal_pointer (&task));
  g_task_set_source_tag (store_task, update_store_thread);
  g_task_set_task_data (store_task, job, store_job_free);
  g_task_run_in_thread (store_task, update_store_thread);
}

gboolean
ob_device_registry_update_device_finish (ObDeviceRegistry  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Removing */

typedef struct
{
  char     *guid;
  ObDevice *device;       /* the model's device when the removal began, or NULL */
  gboolean  row_deleted;  /* set by the worker */
} Removal;

static void
removal_free (gpointer data)
{
  Removal *removal = data;

  g_free (removal->guid);
  g_clear_object (&removal->device);
  g_free (removal);
}

/* While its row is being deleted (in a worker thread, so the store's count
 * may drop before the model does) the device no longer counts as
 * connected: devices/stats never has more connected than stored. */
static void
begin_leaving (ObDeviceRegistry *self,
               ObDevice         *device)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->leaving, device));

  g_hash_table_insert (self->leaving, g_object_ref (device), GUINT_TO_POINTER (n + 1));
  update_connected (self, device);
}

static void
end_leaving (ObDeviceRegistry *self,
             ObDevice         *device)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->leaving, device));

  if (n > 1)
    g_hash_table_insert (self->leaving, g_object_ref (device), GUINT_TO_POINTER (n - 1));
  else
    g_hash_table_remove (self->leaving, device);
  /* Still in the model (the removal failed, or another is in flight). */
  if (ob_device_registry_lookup (self, ob_device_get_guid (device)) == device)
    update_connected (self, device);
}

static void
remove_store_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  ObDeviceRegistry *self = source_object;
  Removal *removal = task_data;
  g_autoptr(GError) error = NULL;

  if (ob_store_delete_device (self->store, removal->guid, &error))
    removal->row_deleted = TRUE;
  else if (!g_error_matches (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_clear_error (&error);

  /* Every secret of the device, whatever its kind. */
  if (!ob_secret_store_clear_sync (self->secrets, OB_SECRET_OWNER_DEVICE, removal->guid, NULL,
                                   NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_return_boolean (task, TRUE);
}

static void
remove_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);
  g_autoptr(GTask) task = user_data;
  Removal *removal = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  ObDevice *device;

  g_task_propagate_boolean (G_TASK (result), &error);
  device = ob_device_registry_lookup (self, removal->guid);

  /* Once its row is gone the device goes, even when the keyring failed
   * after (the error still says so): a device without a row would come
   * back from nowhere only to vanish at the next load. */
  if (device != NULL && (removal->row_deleted || error == NULL))
    remove_device (self, device);
  if (removal->device != NULL)
    end_leaving (self, removal->device);

  if (error != NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (device == NULL && !removal->row_deleted)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_FOUND,
                               "No device with GUID %s", removal->guid);
      return;
    }

  g_task_return_boolean (task, TRUE);
}

void
ob_device_registry_remove_device_async (ObDeviceRegistry    *self,
                                        const char          *guid,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) store_task = NULL;
  Removal *removal;
  ObDevice *device;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_remove_device_async);

  if (guid == NULL || *guid == '\0')
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_INVALID_ARGUMENT,
                               "No device GUID given");
      return;
    }

  removal = g_new0 (Removal, 1);
  removal->guid = guid_key (guid);
  device = ob_device_registry_lookup (self, guid);
  if (device != NULL)
    {
      removal->device = g_object_ref (device);
      begin_leaving (self, device);
    }

  /* Not cancellable once started: half a removal is worse than none. */
  store_task = g_task_new (self, NULL, remove_done_cb, g_steal_pointer (&task));
  g_task_set_source_tag (store_task, remove_store_thread);
  g_task_set_task_data (store_task, removal, removal_free);
  g_task_run_in_thread (store_task, remove_store_thread);
}

gboolean
ob_device_registry_remove_device_finish (ObDeviceRegistry  *self,
                                         GAsyncResult      *result,
                                         GError           **error)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Polling */


/* The poll holds the registry weakly: dropping the last reference to a
 * polling registry must end it, not keep it polling forever. */
static void
poll_refresh_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GWeakRef *weak = user_data;
  g_autoptr(ObDeviceRegistry) self = g_weak_ref_get (weak);
  g_autoptr(GError) error = NULL;

  g_weak_ref_clear (weak);
  g_free (weak);

  /* The device shows the outcome itself. */
  ob_device_refresh_finish (OB_DEVICE (object), result, &error);
  if (self == NULL)
    return;

  g_hash_table_remove (self->poll_in_flight, object);

  /* Queued refreshes go on even when not polling. */
  schedule_poll (self);
}

static gboolean
poll_timeout_cb (gpointer user_data)
{
  ObDeviceRegistry *self = user_data;

  self->poll_timeout_id = 0;
  schedule_poll (self);

  return G_SOURCE_REMOVE;
}

static void
start_poll_refresh (ObDeviceRegistry *self,
                    ObDevice         *device,
                    GCancellable     *cancellable)
{
  gint64 now = g_get_monotonic_time ();
  GWeakRef *weak = g_new0 (GWeakRef, 1);

  g_weak_ref_init (weak, self);
  _ob_device_set_last_polled (device, now);
  g_hash_table_add (self->poll_in_flight, g_object_ref (device));
  ob_device_refresh_async (device, cancellable, poll_refresh_cb, weak);
}

static gboolean
storm_over_cb (gpointer user_data)
{
  ObDeviceRegistry *self = user_data;

  self->storm_timeout_id = 0;
  schedule_poll (self);
  return G_SOURCE_REMOVE;
}

/* Start queued refreshes, then those that are due, up to the concurrency
 * limit, oldest first; then sleep until the next one is due.  No timer
 * runs while nothing is due or the limit is reached (a completion calls
 * back). */
static void
schedule_poll (ObDeviceRegistry *self)
{
  gint64 interval = (gint64) self->poll_interval * G_USEC_PER_SEC;
  GQueue busy = G_QUEUE_INIT;
  guint queued_limit = OB_DEVICE_REGISTRY_MAX_CONCURRENT_QUEUED_REFRESHES;

  g_clear_handle_id (&self->poll_timeout_id, g_source_remove);

  if (self->last_arrival != 0 && g_get_monotonic_time () - self->last_arrival < ARRIVAL_QUIET_US)
    {
      gint64 quiet_at = self->last_arrival + ARRIVAL_QUIET_US;

      queued_limit = 1;
      /* A slow device must not hold the queue to one after the storm: look
       * again when arrivals have been quiet long enough. */
      if (self->storm_timeout_id == 0 && !g_queue_is_empty (&self->refresh_queue))
        self->storm_timeout_id = g_timeout_add ((guint) MAX ((quiet_at - g_get_monotonic_time () + 999) / 1000, 1),
                                                storm_over_cb, self);
    }

  while (g_hash_table_size (self->poll_in_flight) < queued_limit &&
         !g_queue_is_empty (&self->refresh_queue))
    {
      ObDevice *device = refresh_queue_pop (self);

      /* A refresh still running may use an older connection: this one
       * waits for it to end. */
      if (g_hash_table_contains (self->poll_in_flight, device))
        {
          g_queue_push_tail (&busy, device);
          continue;
        }
      /* Not tied to the poll's cancellable: stopping the poll does not
       * stop a device that just connected from being looked at. */
      if (ob_device_get_transport_source (device) != NULL)
        start_poll_refresh (self, device, NULL);
      g_object_unref (device);
    }
  while (!g_queue_is_empty (&busy))
    refresh_queue_push (self, g_queue_pop_tail (&busy), TRUE);

  if (!self->polling)
    return;

  while (g_hash_table_size (self->poll_in_flight) < OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES)
    {
      gint64 now = g_get_monotonic_time ();
      gint64 cira_interval = (gint64) self->cira_poll_interval * G_USEC_PER_SEC;
      ObDevice *oldest = NULL;
      gint64 oldest_due = G_MAXINT64;

      /* Only the pollable devices: CIRA ones without a connection (or
       * with their polling off) are not in the list. */
      for (GList *l = self->polled.head; l != NULL; l = l->next)
        {
          ObDevice *device = l->data;
          gboolean cira = ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA;
          gint64 when, due;

          if (g_hash_table_contains (self->poll_in_flight, device))
            continue;
          when = _ob_device_get_last_polled (device);
          due = when == G_MININT64 ? G_MININT64 : when + (cira ? cira_interval : interval);
          if (due < oldest_due)
            {
              oldest = device;
              oldest_due = due;
            }
        }

      if (oldest == NULL)
        return;

      if (oldest_due > now)
        {
          gint64 wait_ms = (oldest_due - now + 999) / 1000;

          self->poll_timeout_id = g_timeout_add ((guint) MAX (wait_ms, 1), poll_timeout_cb, self);
          return;
        }

      start_poll_refresh (self, oldest, self->poll_cancellable);
    }
}

void
ob_device_registry_set_poll_interval (ObDeviceRegistry *self,
                                      guint             seconds)
{
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  seconds = MAX (seconds, 1);
  if (self->poll_interval == seconds)
    return;

  self->poll_interval = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLL_INTERVAL]);

  if (self->polling)
    schedule_poll (self);
}

guint
ob_device_registry_get_poll_interval (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), 0);

  return self->poll_interval;
}

void
ob_device_registry_set_cira_poll_interval (ObDeviceRegistry *self,
                                           guint             seconds)
{
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  if (self->cira_poll_interval == seconds)
    return;

  self->cira_poll_interval = seconds;
  /* CIRA devices join (in model order, after those there) or leave the
   * poll's list. */
  for (guint i = 0; i < self->devices->len; i++)
    {
      ObDevice *device = g_ptr_array_index (self->devices, i);

      if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA)
        update_polled (self, device);
    }
  if (self->polling)
    schedule_poll (self);
}

guint
ob_device_registry_get_cira_poll_interval (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), 0);

  return self->cira_poll_interval;
}

void
ob_device_registry_start_polling (ObDeviceRegistry *self)
{
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  if (self->polling)
    return;

  self->polling = TRUE;
  g_clear_object (&self->poll_cancellable);
  self->poll_cancellable = g_cancellable_new ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLLING]);

  schedule_poll (self);
}

void
ob_device_registry_stop_polling (ObDeviceRegistry *self)
{
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  if (!self->polling)
    return;

  self->polling = FALSE;
  g_clear_handle_id (&self->poll_timeout_id, g_source_remove);
  /* Refreshes already running are cancelled; their callbacks see that
   * polling stopped and start nothing new. */
  g_cancellable_cancel (self->poll_cancellable);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLLING]);
}

gboolean
ob_device_registry_get_polling (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);

  return self->polling;
}

/* CIRA devices */

ObDevice *
ob_device_registry_attach_cira_device (ObDeviceRegistry *self,
                                       ObDeviceRecord   *record,
                                       const char       *amt_password,
                                       ObStreamSource   *transport)
{
  ObDevice *device;

  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), NULL);
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (record), NULL);
  g_return_val_if_fail (ob_device_record_get_guid (record) != NULL, NULL);
  g_return_val_if_fail (OB_IS_STREAM_SOURCE (transport), NULL);

  self->last_arrival = g_get_monotonic_time ();
  device = ob_device_registry_lookup (self, ob_device_record_get_guid (record));
  if (device == NULL)
    {
      g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

      device = ob_device_new (record, amt_password, transport);
      g_ptr_array_add (added, device);
      append_devices (self, added);
    }
  else
    {
      /* The row may have changed since the registry loaded it (REST, a
       * provisioning); the connection brings the current one. */
      ob_device_set_record (device, record);
      ob_device_set_password (device, amt_password);
      ob_device_set_transport_source (device, transport);
    }

  if (amt_password == NULL)
    {
      g_autoptr(GError) error = g_error_new (OB_DEVICE_ERROR, OB_DEVICE_ERROR_NO_PASSWORD,
                                             "%s is connected, but no AMT password is stored "
                                             "for it; enter it in the device's settings",
                                             ob_device_get_name (device));

      ob_device_report_result (device, error);
    }

  return device;
}

gboolean
ob_device_registry_detach_cira_device (ObDeviceRegistry *self,
                                       const char       *guid,
                                       ObStreamSource   *transport,
                                       const GError     *reason)
{
  g_autoptr(GError) error = NULL;
  ObDevice *device;

  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (OB_IS_STREAM_SOURCE (transport), FALSE);

  device = ob_device_registry_lookup (self, guid);
  /* A newer connection of the same device is none of this one's business. */
  if (device == NULL || ob_device_get_transport_source (device) != transport)
    return FALSE;

  ob_device_set_transport_source (device, NULL);
  refresh_queue_remove (self, device);

  if (reason != NULL)
    error = g_error_new (OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                         "%s is not connected (%s)", ob_device_get_name (device), reason->message);
  else
    error = g_error_new (OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                         "%s is not connected", ob_device_get_name (device));
  ob_device_report_result (device, error);

  return TRUE;
}

void
ob_device_registry_queue_refresh (ObDeviceRegistry *self,
                                  ObDevice         *device)
{
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));
  g_return_if_fail (OB_IS_DEVICE (device));

  if (ob_device_get_transport_source (device) == NULL ||
      g_hash_table_contains (self->refresh_links, device))
    return;

  refresh_queue_push (self, g_object_ref (device), FALSE);
  schedule_poll (self);
}

/* Refreshing everything */

typedef struct
{
  GPtrArray *queue;     /* ObDevice still to start */
  guint      next;
  guint      running;
} RefreshAll;

static void
refresh_all_free (gpointer data)
{
  RefreshAll *all = data;

  g_ptr_array_unref (all->queue);
  g_free (all);
}

static void refresh_all_pump (GTask *task);

static void
refresh_all_device_cb (GObject      *object,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  RefreshAll *all = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  ob_device_refresh_finish (OB_DEVICE (object), result, &error);
  all->running--;
  refresh_all_pump (task);
}

static void
refresh_all_pump (GTask *task)
{
  RefreshAll *all = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  while (all->running < OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES &&
         all->next < all->queue->len &&
         !g_cancellable_is_cancelled (cancellable))
    {
      ObDevice *device = g_ptr_array_index (all->queue, all->next++);
      gint64 now = g_get_monotonic_time ();

      /* Counts for the poll too: no need to poll it again right away. */
      _ob_device_set_last_polled (device, now);
      all->running++;
      ob_device_refresh_async (device, cancellable, refresh_all_device_cb,
                               g_object_ref (task));
    }

  if (all->running > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    return;

  g_task_return_boolean (task, TRUE);
}

void
ob_device_registry_refresh_all_async (ObDeviceRegistry    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  RefreshAll *all;

  g_return_if_fail (OB_IS_DEVICE_REGISTRY (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_registry_refresh_all_async);

  all = g_new0 (RefreshAll, 1);
  all->queue = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->devices->len; i++)
    g_ptr_array_add (all->queue, g_object_ref (g_ptr_array_index (self->devices, i)));
  g_task_set_task_data (task, all, refresh_all_free);

  refresh_all_pump (task);
}

gboolean
ob_device_registry_refresh_all_finish (ObDeviceRegistry  *self,
                                       GAsyncResult      *result,
                                       GError           **error)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Counting */

guint
ob_device_registry_get_n_connected (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), 0);

  return g_hash_table_size (self->connected);
}

guint
ob_device_registry_get_n_polled (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), 0);

  return self->polled.length;
}

/* The object */

ObStore *
ob_device_registry_get_store (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), NULL);

  return self->store;
}

ObSecretStore *
ob_device_registry_get_secrets (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), NULL);

  return self->secrets;
}

gboolean
ob_device_registry_get_loaded (ObDeviceRegistry *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_REGISTRY (self), FALSE);

  return self->loaded;
}

static void
ob_device_registry_dispose (GObject *object)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);

  ob_device_registry_stop_polling (self);
  g_clear_handle_id (&self->storm_timeout_id, g_source_remove);

  for (guint i = 0; i < self->devices->len; i++)
    _ob_device_set_state_func (g_ptr_array_index (self->devices, i), NULL, NULL);
  g_hash_table_remove_all (self->by_guid);
  g_hash_table_remove_all (self->connected);
  g_hash_table_remove_all (self->leaving);
  g_hash_table_remove_all (self->poll_in_flight);
  g_hash_table_remove_all (self->polled_links);
  g_queue_clear (&self->polled);
  g_hash_table_remove_all (self->refresh_links);
  g_queue_clear_full (&self->refresh_queue, g_object_unref);
  g_ptr_array_set_size (self->devices, 0);

  g_clear_object (&self->store);
  g_clear_object (&self->secrets);

  G_OBJECT_CLASS (ob_device_registry_parent_class)->dispose (object);
}

static void
ob_device_registry_finalize (GObject *object)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);

  g_ptr_array_unref (self->devices);
  g_hash_table_unref (self->by_guid);
  g_hash_table_unref (self->connected);
  g_hash_table_unref (self->leaving);
  g_hash_table_unref (self->poll_in_flight);
  g_hash_table_unref (self->polled_links);
  g_hash_table_unref (self->refresh_links);
  g_clear_object (&self->poll_cancellable);

  G_OBJECT_CLASS (ob_device_registry_parent_class)->finalize (object);
}

static void
ob_device_registry_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_SECRETS:
      g_value_set_object (value, self->secrets);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_POLLING:
      g_value_set_boolean (value, self->polling);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_registry_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObDeviceRegistry *self = OB_DEVICE_REGISTRY (object);

  switch (prop_id)
    {
    case PROP_STORE:
      self->store = g_value_dup_object (value);
      break;
    case PROP_SECRETS:
      self->secrets = g_value_dup_object (value);
      break;
    case PROP_POLL_INTERVAL:
      ob_device_registry_set_poll_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_registry_class_init (ObDeviceRegistryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_device_registry_dispose;
  object_class->finalize = ob_device_registry_finalize;
  object_class->get_property = ob_device_registry_get_property;
  object_class->set_property = ob_device_registry_set_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, OB_TYPE_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SECRETS] =
    g_param_spec_object ("secrets", NULL, NULL, OB_TYPE_SECRET_STORE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_POLLING] =
    g_param_spec_boolean ("polling", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_POLL_INTERVAL] =
    g_param_spec_uint ("poll-interval", NULL, NULL, 1, G_MAXUINT,
                       OB_DEVICE_REGISTRY_DEFAULT_POLL_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_device_registry_init (ObDeviceRegistry *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_guid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->connected = g_hash_table_new (NULL, NULL);
  self->leaving = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->poll_in_flight = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->refresh_links = g_hash_table_new (NULL, NULL);
  self->polled_links = g_hash_table_new (NULL, NULL);
  self->poll_interval = OB_DEVICE_REGISTRY_DEFAULT_POLL_INTERVAL;
}

ObDeviceRegistry *
ob_device_registry_new (ObStore       *store,
                        ObSecretStore *secrets)
{
  g_return_val_if_fail (OB_IS_STORE (store), NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);

  return g_object_new (OB_TYPE_DEVICE_REGISTRY, "store", store, "secrets", secrets, NULL);
}
