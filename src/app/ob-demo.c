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

struct _ObDemo
{
  GObject parent_instance;

  ObSimFleet *fleet;
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

static void
add_done (AddData *data,
          GError  *error)
{
  GTask *task = data->task;
  StartData *start = g_task_get_task_data (task);

  if (error != NULL)
    {
      g_warning ("Could not add the demo device “%s”: %s", _(data->spec->name), error->message);
      if (start->error == NULL)
        start->error = error;
      else
        g_error_free (error);
    }

  add_data_free (data);

  if (--start->pending == 0)
    {
      if (start->error != NULL)
        g_task_return_error (task, g_steal_pointer (&start->error));
      else
        g_task_return_boolean (task, TRUE);
    }

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

void
ob_demo_start_async (ObDemo              *self,
                     ObDeviceRegistry    *registry,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StartData *start;

  g_return_if_fail (OB_IS_DEMO (self));
  g_return_if_fail (OB_IS_DEVICE_REGISTRY (registry));
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

  if (--start->pending == 0)
    {
      if (start->error != NULL)
        g_task_return_error (task, g_steal_pointer (&start->error));
      else
        g_task_return_boolean (task, TRUE);
    }
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

  ob_sim_fleet_stop (self->fleet);
}

static void
ob_demo_dispose (GObject *object)
{
  ObDemo *self = OB_DEMO (object);

  if (self->fleet != NULL)
    ob_sim_fleet_stop (self->fleet);
  g_clear_object (&self->fleet);

  G_OBJECT_CLASS (ob_demo_parent_class)->dispose (object);
}

static void
ob_demo_class_init (ObDemoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_demo_dispose;
}

static void
ob_demo_init (ObDemo *self)
{
  self->fleet = ob_sim_fleet_new ();
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
