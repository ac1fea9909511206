/* ob-demo.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-demo.h"
#include "ob-lan-stream-source.h"
#include "ob-sim-cira.h"
#include "ob-util.h"

/* Linux routes all of 127/8 to the loopback interface. */
#define DEMO_FIRST_ADDRESS "127.0.1.1"

/* Enough delay per reply that spinners show, as with real firmware. */
#define DEMO_LATENCY_MS 40

typedef struct
{
  const char       *name;
  const char       *tags;        /* comma-separated */
  ObSimControlMode  mode;
  guint             power_state;
  gboolean          tls;
} DemoDevice;

static const DemoDevice demo_devices[OB_DEMO_N_DEVICES] = {
  { N_("Reception PC"), "office", OB_SIM_CONTROL_MODE_ACM, 2, FALSE },
  { N_("Lab Bench 1"), "lab", OB_SIM_CONTROL_MODE_ACM, 2, FALSE },
  { N_("Lab Bench 2"), "lab", OB_SIM_CONTROL_MODE_CCM, 8, FALSE },
  { N_("Build Server"), "lab,servers", OB_SIM_CONTROL_MODE_ACM, 2, TRUE },
  { N_("Meeting Room"), "office", OB_SIM_CONTROL_MODE_CCM, 4, FALSE },
  { N_("Spare Laptop"), "spare", OB_SIM_CONTROL_MODE_CCM, 8, FALSE },
};

/* Devices that call in over CIRA: some drop and come back now and then
 * (churn, in drops per minute), one goes away for good a little while
 * after it first connected, so the list shows every state. */
typedef struct
{
  const char       *name;
  const char       *hostname;
  const char       *tags;        /* comma-separated */
  ObSimControlMode  mode;
  guint             power_state;
  double            churn;
  guint             away_after_seconds;
} DemoCiraDevice;

static const DemoCiraDevice demo_cira_devices[OB_DEMO_N_CIRA_DEVICES] = {
  { N_("Branch Office PC"), "branch-pc-01", "branch", OB_SIM_CONTROL_MODE_ACM, 2, 0.0, 0 },
  { N_("Warehouse Kiosk"), "kiosk-wh-02", "warehouse", OB_SIM_CONTROL_MODE_CCM, 2, 1.0, 0 },
  { N_("Field Laptop"), "laptop-field-07", "laptops", OB_SIM_CONTROL_MODE_CCM, 2, 0.0, 20 },
  { N_("Home Office PC"), "home-pc-14", "remote", OB_SIM_CONTROL_MODE_ACM, 4, 0.5, 0 },
  { N_("Shop Floor Panel"), "panel-sf-03", "warehouse", OB_SIM_CONTROL_MODE_ACM, 2, 1.0, 0 },
  { N_("Retail Till 5"), "till-05", "branch", OB_SIM_CONTROL_MODE_CCM, 8, 0.5, 0 },
};

/* CIRA reconnects come back within seconds rather than AMT's minutes. */
#define DEMO_CIRA_BACKOFF_INITIAL_MS 2000
#define DEMO_CIRA_BACKOFF_MAX_MS     8000

typedef struct
{
  const DemoCiraDevice *spec;
  ObSimDevice *device;
  ObSimWsmanServer *server;
  ObSimCira *cira;
  char *mps_username;
  char *mps_password;
  char *amt_password;
  guint away_source;
} DemoCira;

struct _ObDemo
{
  GObject parent_instance;

  ObSimFleet *fleet;
  ObSimCiraPool *cira_pool;
  GPtrArray *cira;              /* DemoCira */
  gboolean stopped;
};

G_DEFINE_FINAL_TYPE (ObDemo, ob_demo, G_TYPE_OBJECT)

typedef struct
{
  ObDeviceRegistry *registry;
  guint pending;
  GError *error;
} StartData;

typedef struct
{
  GTask *task;            /* owned */
  const DemoDevice *spec;
  ObSimDevice *device;    /* owned by the fleet */
  char *password;
} AddData;

static void
start_data_free (StartData *data)
{
  g_clear_object (&data->registry);
  g_clear_error (&data->error);
  g_free (data);
}

static void
add_data_free (AddData *data)
{
  ob_secure_free_string (data->password);
  g_free (data);
}

/* One part of the start is over (@error, owned, NULL for success). */
static void
start_done (GTask  *task,
            GError *error)
{
  StartData *start = g_task_get_task_data (task);

  if (error != NULL)
    {
      if (start->error == NULL)
        start->error = error;
      else
        g_error_free (error);
    }

  if (--start->pending == 0)
    {
      if (start->error != NULL)
        g_task_return_error (task, g_steal_pointer (&start->error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
add_done (AddData *data,
          GError  *error)
{
  GTask *task = data->task;

  if (error != NULL)
    g_warning ("Could not add the demo device “%s”: %s", _(data->spec->name), error->message);

  add_data_free (data);
  start_done (task, error);
  g_object_unref (task);
}

static void
on_device_added (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AddData *data = user_data;
  g_autoptr(ObDevice) device = NULL;
  GError *error = NULL;

  device = ob_device_registry_add_lan_device_finish (OB_DEVICE_REGISTRY (source), result, &error);
  add_done (data, error);
}

static void
add_to_registry (AddData    *data,
                 const char *fingerprint)
{
  StartData *start = g_task_get_task_data (data->task);
  g_auto(GStrv) tags = g_strsplit (data->spec->tags, ",", -1);
  guint port = data->spec->tls ? ob_sim_device_get_tls_port (data->device)
                               : ob_sim_device_get_http_port (data->device);

  ob_device_registry_add_lan_device_async (start->registry,
                                           ob_sim_device_get_address (data->device),
                                           port,
                                           data->spec->tls,
                                           fingerprint,
                                           FALSE,
                                           _(data->spec->name),
                                           (const char * const *) tags,
                                           "admin",
                                           data->password,
                                           g_task_get_cancellable (data->task),
                                           on_device_added,
                                           data);
}

static void
on_certificate_probed (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  AddData *data = user_data;
  g_autofree char *fingerprint = NULL;
  GError *error = NULL;

  if (!ob_lan_stream_source_probe_certificate_finish (result, &fingerprint, NULL, NULL, NULL, &error))
    {
      add_done (data, error);
      return;
    }

  /* The demo's own simulated device: nobody needs to confirm this one. */
  add_to_registry (data, fingerprint);
}

static void
demo_cira_stop (DemoCira *demo)
{
  g_clear_handle_id (&demo->away_source, g_source_remove);
  if (demo->cira != NULL)
    ob_sim_cira_stop (demo->cira);
}

static void
demo_cira_free (gpointer data)
{
  DemoCira *demo = data;

  demo_cira_stop (demo);
  if (demo->cira != NULL)
    g_signal_handlers_disconnect_by_data (demo->cira, demo);
  g_clear_object (&demo->cira);
  g_clear_object (&demo->server);
  g_clear_object (&demo->device);
  g_free (demo->mps_username);
  ob_secure_free_string (demo->mps_password);
  ob_secure_free_string (demo->amt_password);
  g_free (demo);
}

static gboolean
on_cira_away (gpointer user_data)
{
  DemoCira *demo = user_data;

  demo->away_source = 0;
  ob_sim_cira_stop (demo->cira);
  return G_SOURCE_REMOVE;
}

static void
on_cira_connected (ObSimCira *cira,
                   DemoCira  *demo)
{
  if (demo->spec->away_after_seconds == 0 || demo->away_source != 0 ||
      ob_sim_cira_get_n_connects (cira) > 1)
    return;

  demo->away_source = g_timeout_add_seconds (demo->spec->away_after_seconds, on_cira_away, demo);
}

typedef struct
{
  ObStore *store;
  ObSecretStore *secrets;
  GPtrArray *records;           /* ObDeviceRecord */
  GPtrArray *mps_passwords;     /* wiped when freed */
  GPtrArray *amt_passwords;     /* wiped when freed */
} RegisterData;

static void
register_data_free (RegisterData *data)
{
  g_clear_object (&data->store);
  g_clear_object (&data->secrets);
  g_clear_pointer (&data->records, g_ptr_array_unref);
  g_clear_pointer (&data->mps_passwords, g_ptr_array_unref);
  g_clear_pointer (&data->amt_passwords, g_ptr_array_unref);
  g_free (data);
}

/* What an admin (or the RPS) does for a device that will call in: its
 * record, its CIRA password and its AMT password.  Store and keyring calls
 * block, so they run here. */
static void
register_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  RegisterData *data = task_data;

  for (guint i = 0; i < data->records->len; i++)
    {
      ObDeviceRecord *record = g_ptr_array_index (data->records, i);
      const char *guid = ob_device_record_get_guid (record);
      GError *error = NULL;

      if (!ob_store_insert_device (data->store, record, &error) ||
          !ob_secret_store_store_text_sync (data->secrets, OB_SECRET_OWNER_DEVICE, guid,
                                            OB_SECRET_KIND_MPS_PASSWORD,
                                            g_ptr_array_index (data->mps_passwords, i),
                                            cancellable, &error) ||
          !ob_secret_store_store_text_sync (data->secrets, OB_SECRET_OWNER_DEVICE, guid,
                                            OB_SECRET_KIND_AMT_PASSWORD,
                                            g_ptr_array_index (data->amt_passwords, i),
                                            cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
    }

  g_task_return_boolean (task, TRUE);
}

static void
on_cira_registered (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) start_task = user_data;
  ObDemo *self = g_task_get_source_object (start_task);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_warning ("Could not register the demo CIRA devices: %s", error->message);
      start_done (start_task, error);
      return;
    }

  /* Stopped while the records were written. */
  if (self->stopped)
    {
      start_done (start_task, NULL);
      return;
    }

  for (guint i = 0; i < self->cira->len; i++)
    ob_sim_cira_start (((DemoCira *) g_ptr_array_index (self->cira, i))->cira);

  start_done (start_task, NULL);
}

static void
ob_demo_start_cira (ObDemo           *self,
                    GTask            *start_task,
                    ObDeviceRegistry *registry,
                    ObMpsServer      *mps)
{
  g_autoptr(GTask) task = NULL;
  RegisterData *data;

  /* The demo's own listener, on a free port of this computer. */
  self->cira_pool = ob_sim_cira_pool_new ("127.0.0.1", ob_mps_server_get_port (mps));

  data = g_new0 (RegisterData, 1);
  data->store = g_object_ref (ob_device_registry_get_store (registry));
  data->secrets = g_object_ref (ob_device_registry_get_secrets (registry));
  data->records = g_ptr_array_new_with_free_func (g_object_unref);
  data->mps_passwords = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_secure_free_string);
  data->amt_passwords = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_secure_free_string);

  for (guint i = 0; i < G_N_ELEMENTS (demo_cira_devices); i++)
    {
      const DemoCiraDevice *spec = &demo_cira_devices[i];
      DemoCira *demo = g_new0 (DemoCira, 1);
      g_auto(GStrv) tags = g_strsplit (spec->tags, ",", -1);
      ObDeviceRecord *record;

      demo->spec = spec;
      demo->device = ob_sim_device_new (NULL);
      demo->mps_username = g_strdup_printf ("demo-cira-%u", i + 1);
      demo->mps_password = ob_random_password ();
      demo->amt_password = ob_random_password ();
      ob_sim_device_set_hostname (demo->device, spec->hostname);
      ob_sim_device_set_control_mode (demo->device, spec->mode);
      ob_sim_device_set_power_state (demo->device, spec->power_state);
      ob_sim_device_set_latency_ms (demo->device, DEMO_LATENCY_MS);
      demo->server = ob_sim_wsman_server_new (demo->device, "admin", demo->amt_password);
      demo->cira = ob_sim_cira_new (self->cira_pool, demo->device, demo->server,
                                    demo->mps_username, demo->mps_password);
      ob_sim_cira_set_backoff (demo->cira, DEMO_CIRA_BACKOFF_INITIAL_MS, DEMO_CIRA_BACKOFF_MAX_MS);
      ob_sim_cira_set_churn_rate (demo->cira, spec->churn);
      g_signal_connect (demo->cira, "connected", G_CALLBACK (on_cira_connected), demo);
      g_ptr_array_add (self->cira, demo);

      record = ob_device_record_new (ob_sim_device_get_guid (demo->device));
      ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
      ob_device_record_set_friendly_name (record, _(spec->name));
      ob_device_record_set_hostname (record, spec->hostname);
      ob_device_record_set_tags (record, (const char * const *) tags);
      ob_device_record_set_mps_username (record, demo->mps_username);
      g_ptr_array_add (data->records, record);
      g_ptr_array_add (data->mps_passwords, g_strdup (demo->mps_password));
      g_ptr_array_add (data->amt_passwords, g_strdup (demo->amt_password));
    }

  task = g_task_new (self, g_task_get_cancellable (start_task), on_cira_registered, g_object_ref (start_task));
  g_task_set_source_tag (task, ob_demo_start_cira);
  g_task_set_task_data (task, data, (GDestroyNotify) register_data_free);
  g_task_run_in_thread (task, register_thread);
}

void
ob_demo_start_async (ObDemo              *self,
                     ObDeviceRegistry    *registry,
                     ObMpsServer         *mps,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StartData *start;

  g_return_if_fail (OB_IS_DEMO (self));
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (registry));
  g_return_if_fail (mps == NULL || OB_IS_MPS_SERVER (mps));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_demo_start_async);

  start = g_new0 (StartData, 1);
  start->registry = g_object_ref (registry);
  g_task_set_task_data (task, start, (GDestroyNotify) start_data_free);

  /* One extra count while the devices are started, so the task cannot
   * complete before the last one is on its way. */
  start->pending = 1;

  for (guint i = 0; i < G_N_ELEMENTS (demo_devices); i++)
    {
      const DemoDevice *spec = &demo_devices[i];
      g_autofree char *password = ob_random_password ();
      g_autoptr(GError) error = NULL;
      g_autofree char *address = NULL;
      ObSimDevice *device = NULL;
      AddData *data;

      /* Each on its own loopback address, as devices on a LAN; any free
       * port, so a demo never collides with anything. */
      address = ob_sim_fleet_nth_address (DEMO_FIRST_ADDRESS, i, &error);
      if (address != NULL)
        device = ob_sim_fleet_add_device (self->fleet, address, 0,
                                          spec->tls ? OB_SIM_PORT_ANY : 0,
                                          password, &error);
      if (device == NULL)
        {
          g_warning ("Could not start the demo device “%s”: %s", _(spec->name), error->message);
          if (start->error == NULL)
            start->error = g_steal_pointer (&error);
          continue;
        }

      ob_sim_device_set_control_mode (device, spec->mode);
      ob_sim_device_set_power_state (device, spec->power_state);
      ob_sim_device_set_latency_ms (device, DEMO_LATENCY_MS);

      data = g_new0 (AddData, 1);
      data->task = g_object_ref (task);
      data->spec = spec;
      data->device = device;
      data->password = g_steal_pointer (&password);
      start->pending++;

      if (spec->tls)
        ob_lan_stream_source_probe_certificate_async (ob_sim_device_get_address (device),
                                                      ob_sim_device_get_tls_port (device),
                                                      10, cancellable,
                                                      on_certificate_probed, data);
      else
        add_to_registry (data, NULL);
    }

  if (mps != NULL && ob_mps_server_get_listening (mps) && self->cira_pool == NULL)
    {
      start->pending++;
      ob_demo_start_cira (self, task, registry, mps);
    }
  else if (mps != NULL && !ob_mps_server_get_listening (mps) && start->error == NULL)
    {
      start->error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                  "The CIRA listener is not listening (%s); no CIRA demo devices",
                                  ob_mps_server_get_last_error (mps) != NULL ?
                                  ob_mps_server_get_last_error (mps) : "not started");
      g_warning ("%s", start->error->message);
    }

  start_done (task, NULL);
}

gboolean
ob_demo_start_finish (ObDemo        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
ob_demo_stop (ObDemo *self)
{
  g_return_if_fail (OB_IS_DEMO (self));

  self->stopped = TRUE;
  ob_sim_fleet_stop (self->fleet);
  for (guint i = 0; i < self->cira->len; i++)
    demo_cira_stop (g_ptr_array_index (self->cira, i));
}

static void
ob_demo_dispose (GObject *object)
{
  ObDemo *self = OB_DEMO (object);

  if (self->fleet != NULL)
    ob_sim_fleet_stop (self->fleet);
  g_clear_object (&self->fleet);
  if (self->cira != NULL)
    g_ptr_array_set_size (self->cira, 0);
  g_clear_object (&self->cira_pool);

  G_OBJECT_CLASS (ob_demo_parent_class)->dispose (object);
}

static void
ob_demo_finalize (GObject *object)
{
  ObDemo *self = OB_DEMO (object);

  g_clear_pointer (&self->cira, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_demo_parent_class)->finalize (object);
}

static void
ob_demo_class_init (ObDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_demo_dispose;
  object_class->finalize = ob_demo_finalize;
}

static void
ob_demo_init (ObDemo *self)
{
  self->fleet = ob_sim_fleet_new ();
  self->cira = g_ptr_array_new_with_free_func (demo_cira_free);
}

ObDemo *
ob_demo_new (void)
{
  return g_object_new (OB_TYPE_DEMO, NULL);
}

/**
 * ob_demo_get_fleet:
 * @self: an #ObDemo
 *
 * Returns: (transfer none): the simulated devices
 */
ObSimFleet *
ob_demo_get_fleet (ObDemo *self)
{
  g_return_val_if_fail (OB_IS_DEMO (self), NULL);

  return self->fleet;
}

guint
ob_demo_get_n_cira_devices (ObDemo *self)
{
  g_return_val_if_fail (OB_IS_DEMO (self), 0);

  return self->cira->len;
}

/**
 * ob_demo_get_cira_device:
 * @self: an #ObDemo
 * @index: which one, below ob_demo_get_n_cira_devices()
 *
 * Returns: (transfer none): the CIRA side of a simulated device
 */
ObSimCira *
ob_demo_get_cira_device (ObDemo *self,
                         guint   index)
{
  g_return_val_if_fail (OB_IS_DEMO (self), NULL);
  g_return_val_if_fail (index < self->cira->len, NULL);

  return ((DemoCira *) g_ptr_array_index (self->cira, index))->cira;
}
