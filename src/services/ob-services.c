/* ob-services.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>

#include "ob-error.h"
#include "ob-services.h"
#include "ob-util.h"

/* Typing a new common name in the preferences writes the setting on every
 * valid keystroke; wait for the admin to stop before re-issuing the
 * server certificate. */
#define DEFAULT_REISSUE_DELAY_MS 1500

/* The port spin button and the address row change the settings on every
 * step; restart the API once they settle. */
#define API_RESTART_DELAY_MS 500

struct _ObServices
{
  GObject          parent_instance;

  ObConfig        *config;
  ObSecretStore   *secrets;
  char            *data_dir;

  ObStore         *store;
  ObCertAuthority *cert_authority;
  ObDeviceRegistry *registry;
  ObMpsServer     *mps;
  ObApiServer     *api;

  /* `outband --cira-port`: -1 follows the setting. */
  int              cira_port_override;
  guint            mps_restart_source;

  /* The provisioning server rpc-go talks to; `outband --rps-port`
   * overrides the setting (-1 follows it). */
  ObRpsServer     *rps;
  int              rps_port_override;
  guint            rps_move_source;

  /* Headless: the API always runs, maybe on another address or port. */
  gboolean         api_forced;
  char            *api_address_override;
  int              api_port_override;
  guint            api_restart_source;
  GCancellable    *api_cancellable;
  /* Why the API last failed to start; NULL while it runs, starts or is
   * off. */
  GError          *api_error;

  ObServicesState  state;
  guint            n_ca_operations;  /* certificate work running in a thread */
  GCancellable    *cancellable;
  guint            reissue_source;
  guint            reissue_delay_ms;
};

G_DEFINE_FINAL_TYPE (ObServices, ob_services, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_SECRET_STORE,
  PROP_DATA_DIR,
  PROP_STATE,
  PROP_MPS_SERVER,
  N_PROPS
};

enum {
  ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

GType ob_services_state_get_type (void) G_GNUC_CONST;

GType
ob_services_state_get_type (void)
{
  static gsize type_id = 0;
  static const GEnumValue values[] = {
    { OB_SERVICES_STATE_STOPPED, "OB_SERVICES_STATE_STOPPED", "stopped" },
    { OB_SERVICES_STATE_STARTING, "OB_SERVICES_STATE_STARTING", "starting" },
    { OB_SERVICES_STATE_RUNNING, "OB_SERVICES_STATE_RUNNING", "running" },
    { OB_SERVICES_STATE_FAILED, "OB_SERVICES_STATE_FAILED", "failed" },
    { 0, NULL, NULL },
  };

  if (g_once_init_enter (&type_id))
    g_once_init_leave (&type_id,
                       g_enum_register_static (g_intern_static_string ("ObServicesState"),
                                               values));

  return type_id;
}

static void
set_state (ObServices      *self,
           ObServicesState  state)
{
  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
    }
}

static void
on_reissued (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(ObServices) self = user_data;
  g_autoptr(GError) error = NULL;

  self->n_ca_operations--;

  if (!ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_warning ("Could not issue the MPS server certificate: %s", error->message);
      g_signal_emit (self, signals[ERROR], 0, error);
      return;
    }

  g_info ("MPS server certificate is for “%s”",
          ob_cert_authority_get_common_name (OB_CERT_AUTHORITY (source)));
}

static gboolean
reissue_timeout (gpointer user_data)
{
  ObServices *self = user_data;
  g_autofree char *common_name = ob_config_dup_effective_common_name (self->config);

  self->reissue_source = 0;

  if (self->state == OB_SERVICES_STATE_RUNNING && self->cert_authority != NULL)
    {
      self->n_ca_operations++;
      ob_cert_authority_ensure_async (self->cert_authority, common_name, self->cancellable,
                                      on_reissued, g_object_ref (self));
    }

  return G_SOURCE_REMOVE;
}

static void
on_common_name_changed (ObServices *self,
                        GParamSpec *pspec,
                        ObConfig   *config)
{
  g_clear_handle_id (&self->reissue_source, g_source_remove);

  if (self->state != OB_SERVICES_STATE_RUNNING)
    return;

  self->reissue_source = g_timeout_add (self->reissue_delay_ms, reissue_timeout, self);
}

static const char *
api_address (ObServices *self)
{
  if (self->api_address_override != NULL)
    return self->api_address_override;

  return ob_config_get_api_address (self->config);
}

static guint
api_port (ObServices *self)
{
  if (self->api_port_override >= 0)
    return (guint) self->api_port_override;

  return ob_config_get_api_port (self->config);
}

static gboolean
api_wanted (ObServices *self)
{
  return self->api_forced || ob_config_get_api_enabled (self->config);
}

static void
set_api_error (ObServices   *self,
               const GError *error)
{
  g_clear_error (&self->api_error);
  if (error != NULL)
    self->api_error = g_error_copy (error);
}

static void
on_api_restarted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObServices) self = user_data;
  g_autoptr(GError) error = NULL;

  if (ob_api_server_start_finish (OB_API_SERVER (source), result, &error))
    {
      set_api_error (self, NULL);
      return;
    }
  if (ob_error_is_cancelled (error))
    return;

  /* A setting the admin can fix (no password, port taken): the window
   * shows it; not a program fault. */
  g_message ("%s", error->message);
  set_api_error (self, error);
  g_signal_emit (self, signals[ERROR], 0, error);
}

/* Applies api-enabled, api-address and api-port: stop, then start again
 * when wanted. */
static gboolean
api_restart_timeout (gpointer user_data)
{
  ObServices *self = user_data;

  self->api_restart_source = 0;

  if (self->state != OB_SERVICES_STATE_RUNNING || self->api == NULL)
    return G_SOURCE_REMOVE;

  g_cancellable_cancel (self->api_cancellable);
  g_clear_object (&self->api_cancellable);
  ob_api_server_stop (self->api);

  set_api_error (self, NULL);
  if (!api_wanted (self))
    return G_SOURCE_REMOVE;

  self->api_cancellable = g_cancellable_new ();
  ob_api_server_start_async (self->api, api_address (self), api_port (self),
                             self->api_cancellable, on_api_restarted, g_object_ref (self));

  return G_SOURCE_REMOVE;
}

static void
on_api_setting_changed (ObServices *self,
                        GParamSpec *pspec,
                        ObConfig   *config)
{
  g_clear_handle_id (&self->api_restart_source, g_source_remove);

  if (self->state != OB_SERVICES_STATE_RUNNING)
    return;

  /* Headless overrides win over the settings they replace. */
  if (self->api_forced
      && (g_strcmp0 (pspec->name, "api-enabled") == 0
          || (g_strcmp0 (pspec->name, "api-address") == 0 && self->api_address_override != NULL)
          || (g_strcmp0 (pspec->name, "api-port") == 0 && self->api_port_override >= 0)))
    return;

  self->api_restart_source = g_timeout_add (API_RESTART_DELAY_MS, api_restart_timeout, self);
}

static void
on_api_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObServices *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!ob_api_server_start_finish (OB_API_SERVER (source), result, &error))
    {
      if (ob_error_is_cancelled (error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      set_api_error (self, error);

      /* Headless mode exists to serve the API: fail.  The desktop app
       * runs on and shows the reason. */
      if (self->api_forced)
        {
          set_state (self, OB_SERVICES_STATE_FAILED);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      g_message ("%s", error->message);
      g_signal_emit (self, signals[ERROR], 0, error);
    }
  else
    {
      set_api_error (self, NULL);
    }

  g_task_return_boolean (task, TRUE);
}

/* Last step of the start: the registry is loaded; poll and serve. */
/* RPS results reach the registry here: rps/ must not know mps/.  A CIRA
 * device needs nothing (its record and MPS password are stored; the MPS
 * takes it when it calls in); a LAN device is added the way the add-device
 * dialog adds one (the registry probes it and stores the row anew). */
static void
on_rps_lan_added (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObDeviceRecord) record = user_data;
  g_autoptr(ObDevice) device = NULL;
  g_autoptr(GError) error = NULL;

  device = ob_device_registry_add_lan_device_finish (OB_DEVICE_REGISTRY (source), result, &error);
  if (device != NULL)
    return;
  /* Not reachable now: keep what provisioning stored, the poll or the
   * admin can add it later. */
  if (!ob_error_is_cancelled (error))
    g_message ("A provisioned device could not be added: %s", error->message);
  ob_store_insert_device (ob_device_registry_get_store (OB_DEVICE_REGISTRY (source)), record, NULL);
}

static void
on_rps_device_provisioned (ObServices  *self,
                           const char  *guid,
                           ObRpsServer *rps)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  g_autofree char *password = NULL;
  ObDevice *device;

  if (self->registry == NULL)
    return;
  record = ob_store_get_device (self->store, guid, NULL);
  if (record == NULL)
    return;
  password = ob_secret_store_lookup_text_sync (self->secrets, OB_SECRET_OWNER_DEVICE, guid,
                                               OB_SECRET_KIND_AMT_PASSWORD, NULL, NULL);
  device = ob_device_registry_lookup (self->registry, guid);
  if (device != NULL)
    {
      /* Known already (re-activation): the new password and records. */
      ob_device_registry_update_device_async (self->registry, record, password, NULL, NULL, NULL);
    }
  else if (ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_LAN
           && ob_device_record_get_host (record) != NULL && password != NULL)
    {
      /* The registry stores the row anew; the port, TLS and pinned
       * certificate are what configuration left. */
      if (ob_store_delete_device (self->store, guid, NULL))
        ob_device_registry_add_lan_device_async (self->registry, ob_device_record_get_host (record),
                                                 ob_device_record_get_port (record),
                                                 ob_device_record_get_use_tls (record),
                                                 ob_device_record_get_pinned_fingerprint (record), FALSE,
                                                 ob_device_record_get_friendly_name (record),
                                                 ob_device_record_get_tags (record),
                                                 "admin", password, self->cancellable,
                                                 on_rps_lan_added, g_object_ref (record));
    }
  if (password != NULL)
    ob_secure_free_string (g_steal_pointer (&password));
}

static void
on_rps_device_deprovisioned (ObServices  *self,
                             const char  *guid,
                             ObRpsServer *rps)
{
  if (self->registry != NULL && ob_device_registry_lookup (self->registry, guid) != NULL)
    ob_device_registry_remove_device_async (self->registry, guid, NULL, NULL, NULL);
}

static void
start_rps (ObServices *self)
{
  g_autoptr(GError) error = NULL;
  guint port;

  if (self->rps == NULL)
    {
      self->rps = ob_rps_server_new (self->store, self->secrets, self->cert_authority);
      g_signal_connect_object (self->rps, "device-provisioned",
                               G_CALLBACK (on_rps_device_provisioned), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->rps, "device-changed",
                               G_CALLBACK (on_rps_device_provisioned), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (self->rps, "device-deprovisioned",
                               G_CALLBACK (on_rps_device_deprovisioned), self, G_CONNECT_SWAPPED);
    }
  if (ob_rps_server_get_listening (self->rps))
    return;
  port = self->rps_port_override >= 0 ? (guint) self->rps_port_override : ob_config_get_rps_port (self->config);
  /* Like the CIRA listener: devices cannot be provisioned, the rest works;
   * the server keeps the error (ob_rps_server_get_last_error). */
  if (!ob_rps_server_listen (self->rps, port, &error))
    g_debug ("RPS: %s", error->message);
}

static gboolean
rps_move_timeout (gpointer user_data)
{
  ObServices *self = user_data;
  g_autoptr(GError) error = NULL;

  self->rps_move_source = 0;
  if (self->state == OB_SERVICES_STATE_RUNNING && self->rps != NULL
      && !ob_rps_server_move (self->rps, ob_config_get_rps_port (self->config), &error))
    g_debug ("RPS: %s", error->message);
  return G_SOURCE_REMOVE;
}

/* A new rps-port moves the listener (running activations go on); not
 * while `outband --rps-port` holds it. */
static void
on_rps_port_changed (ObServices *self,
                     GParamSpec *pspec,
                     ObConfig   *config)
{
  g_clear_handle_id (&self->rps_move_source, g_source_remove);
  if (self->state != OB_SERVICES_STATE_RUNNING || self->rps_port_override >= 0 || self->rps == NULL
      || (ob_rps_server_get_listening (self->rps)
          && ob_rps_server_get_port (self->rps) == ob_config_get_rps_port (config)))
    return;
  self->rps_move_source = g_timeout_add (API_RESTART_DELAY_MS, rps_move_timeout, self);
}

static void
finish_start (ObServices *self,
              GTask      *task_in)
{
  g_autoptr(GTask) task = task_in;

  ob_device_registry_start_polling (self->registry);
  start_rps (self);
  set_state (self, OB_SERVICES_STATE_RUNNING);

  /* The name may have changed while the first certificate was made. */
  {
    g_autofree char *wanted = ob_config_dup_effective_common_name (self->config);

    if (g_strcmp0 (wanted, ob_cert_authority_get_common_name (self->cert_authority)) != 0)
      on_common_name_changed (self, NULL, self->config);
  }

  if (self->api == NULL)
    {
      self->api = ob_api_server_new (self->config, self->store, self->secrets, self->registry);
      /* The device routes follow the listener when it moves to a new port. */
      g_object_bind_property (self, "mps-server", self->api, "mps-server", G_BINDING_SYNC_CREATE);
    }

  if (!api_wanted (self))
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_clear_object (&self->api_cancellable);
  self->api_cancellable = g_cancellable_new ();
  ob_api_server_start_async (self->api, api_address (self), api_port (self),
                             self->api_cancellable, on_api_started, g_steal_pointer (&task));
}

static void
on_mps_started (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObServices *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!ob_mps_server_start_finish (OB_MPS_SERVER (source), result, &error))
    {
      if (ob_error_is_cancelled (error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* Devices cannot call in (port taken …), everything else works; the
       * window shows the listener's last-error, and a new port setting is
       * tried at once. */
      g_debug ("CIRA listener: %s", error->message);
    }

  finish_start (self, g_steal_pointer (&task));
}

static void
on_mps_restarted (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!ob_mps_server_start_finish (OB_MPS_SERVER (source), result, &error) &&
      !ob_error_is_cancelled (error))
    g_debug ("CIRA listener: %s", error->message);
}

static void
replace_mps (ObServices *self)
{
  if (self->mps != NULL)
    ob_mps_server_stop (self->mps);
  g_clear_object (&self->mps);
  self->mps = ob_mps_server_new (self->config, self->cert_authority, self->registry);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_SERVER]);
}

/* A listener that is bound cannot move: a new one takes over on the new
 * port.  The devices connected to the old port lose their sessions (they
 * could not reconnect there anyway once re-provisioned). */
static gboolean
mps_restart_timeout (gpointer user_data)
{
  ObServices *self = user_data;

  self->mps_restart_source = 0;
  if (self->state != OB_SERVICES_STATE_RUNNING || self->registry == NULL)
    return G_SOURCE_REMOVE;

  replace_mps (self);
  ob_mps_server_start_async (self->mps, NULL, self->cira_port_override, self->cancellable,
                             on_mps_restarted, NULL);
  return G_SOURCE_REMOVE;
}

static void
on_cira_port_changed (ObServices *self,
                      GParamSpec *pspec,
                      ObConfig   *config)
{
  g_clear_handle_id (&self->mps_restart_source, g_source_remove);

  /* A listener that is not bound tries the new port itself. */
  if (self->state != OB_SERVICES_STATE_RUNNING || self->cira_port_override >= 0 ||
      self->mps == NULL || !ob_mps_server_get_listening (self->mps) ||
      ob_mps_server_get_port (self->mps) == ob_config_get_cira_port (config))
    return;

  self->mps_restart_source = g_timeout_add (API_RESTART_DELAY_MS, mps_restart_timeout, self);
}

/* The CIRA listener starts once the registry knows the devices, and
 * before the poll: it first marks every device disconnected in the store,
 * which must not overwrite what the poll learns about LAN devices. */
static void
start_mps (ObServices *self,
           GTask      *task_in)
{
  g_autoptr(GTask) task = task_in;

  /* A server starts once: after a stop, a new one. */
  replace_mps (self);
  ob_mps_server_start_async (self->mps, NULL, self->cira_port_override, self->cancellable,
                             on_mps_started, g_steal_pointer (&task));
}

static void
on_registry_loaded (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObServices *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  if (!ob_device_registry_load_finish (OB_DEVICE_REGISTRY (source), result, &error))
    {
      if (!ob_error_is_cancelled (error))
        set_state (self, OB_SERVICES_STATE_FAILED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  start_mps (self, g_steal_pointer (&task));
}

static void
on_ca_ready (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObServices *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;

  self->n_ca_operations--;

  if (!ob_cert_authority_ensure_finish (OB_CERT_AUTHORITY (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_state (self, OB_SERVICES_STATE_FAILED);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The device registry reads the store and the keyring once, then keeps
   * itself up to date. */
  if (self->registry == NULL)
    self->registry = ob_device_registry_new (self->store, self->secrets);

  if (ob_device_registry_get_loaded (self->registry))
    {
      start_mps (self, g_steal_pointer (&task));
      return;
    }

  ob_device_registry_load_async (self->registry, self->cancellable,
                                 on_registry_loaded, g_steal_pointer (&task));
}

/**
 * ob_services_start_async:
 *
 * Opens the store, makes sure the certificate authority has its root and
 * a server certificate for the configured common name (generated in a
 * worker thread on first start), loads the device registry, starts the
 * CIRA listener (ObMpsServer, on the cira-port setting or the port
 * ob_services_force_cira_port() gave) and the registry's gentle poll, then
 * starts the REST API when api-enabled is set (or ob_services_force_api()
 * was called).  Completes when all of that is usable; a CIRA listener that
 * cannot start is reported with ObServices::error and its last-error, an
 * API that cannot start fails the start only when forced, and is
 * otherwise reported with ObServices::error.
 */
void
ob_services_start_async (ObServices          *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *common_name = NULL;

  g_return_if_fail (OB_IS_SERVICES (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_services_start_async);

  if (self->state == OB_SERVICES_STATE_STARTING || self->state == OB_SERVICES_STATE_RUNNING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY,
                               "The services are already started");
      return;
    }

  set_state (self, OB_SERVICES_STATE_STARTING);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      int saved_errno = errno;

      set_state (self, OB_SERVICES_STATE_FAILED);
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "Could not create the data folder %s: %s",
                               self->data_dir, g_strerror (saved_errno));
      return;
    }

  if (self->store == NULL)
    {
      db_path = g_build_filename (self->data_dir, "outband.db", NULL);
      self->store = ob_store_new_for_path (db_path, &error);
      if (self->store == NULL)
        {
          set_state (self, OB_SERVICES_STATE_FAILED);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }

  if (self->cert_authority == NULL)
    self->cert_authority = ob_cert_authority_new (self->data_dir, self->secrets);

  common_name = ob_config_dup_effective_common_name (self->config);
  self->n_ca_operations++;
  ob_cert_authority_ensure_async (self->cert_authority, common_name, self->cancellable,
                                  on_ca_ready, g_steal_pointer (&task));
}

gboolean
ob_services_start_finish (ObServices    *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Stops background work; the store stays open so records can still be
 * read until the object goes away.  Key generation cannot be interrupted
 * half-way, so this waits (a few seconds at most) for a running one to
 * finish: a process that exits while OpenSSL works in another thread can
 * crash in OpenSSL's exit handlers. */
void
ob_services_stop (ObServices *self)
{
  gint64 deadline;

  g_return_if_fail (OB_IS_SERVICES (self));

  g_clear_handle_id (&self->reissue_source, g_source_remove);
  g_clear_handle_id (&self->api_restart_source, g_source_remove);
  g_clear_handle_id (&self->mps_restart_source, g_source_remove);
  g_clear_handle_id (&self->rps_move_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->api_cancellable);
  if (self->api != NULL)
    ob_api_server_stop (self->api);
  if (self->mps != NULL)
    ob_mps_server_stop (self->mps);
  if (self->rps != NULL)
    ob_rps_server_stop (self->rps);
  if (self->registry != NULL)
    ob_device_registry_stop_polling (self->registry);
  set_state (self, OB_SERVICES_STATE_STOPPED);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  g_object_ref (self);
  while (self->n_ca_operations > 0 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10 * 1000);
    }
  g_object_unref (self);
}

static void
ob_services_constructed (GObject *object)
{
  ObServices *self = OB_SERVICES (object);

  G_OBJECT_CLASS (ob_services_parent_class)->constructed (object);

  g_assert (self->config != NULL);
  g_assert (self->secrets != NULL);

  if (self->data_dir == NULL)
    self->data_dir = ob_get_data_dir ();

  g_signal_connect_object (self->config, "notify::mps-common-name",
                           G_CALLBACK (on_common_name_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->config, "notify::api-enabled",
                           G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->config, "notify::api-address",
                           G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->config, "notify::api-port",
                           G_CALLBACK (on_api_setting_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->config, "notify::cira-port",
                           G_CALLBACK (on_cira_port_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->config, "notify::rps-port",
                           G_CALLBACK (on_rps_port_changed), self, G_CONNECT_SWAPPED);
}

static void
ob_services_dispose (GObject *object)
{
  ObServices *self = OB_SERVICES (object);

  g_clear_handle_id (&self->reissue_source, g_source_remove);
  g_clear_handle_id (&self->api_restart_source, g_source_remove);
  g_clear_handle_id (&self->mps_restart_source, g_source_remove);
  g_clear_handle_id (&self->rps_move_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->api_cancellable != NULL)
    g_cancellable_cancel (self->api_cancellable);
  g_clear_object (&self->api_cancellable);
  if (self->api != NULL)
    ob_api_server_stop (self->api);
  g_clear_object (&self->api);
  if (self->mps != NULL)
    ob_mps_server_stop (self->mps);
  g_clear_object (&self->mps);
  if (self->rps != NULL)
    ob_rps_server_stop (self->rps);
  g_clear_object (&self->rps);
  g_clear_object (&self->registry);
  g_clear_object (&self->cert_authority);
  g_clear_object (&self->store);
  g_clear_object (&self->secrets);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (ob_services_parent_class)->dispose (object);
}

static void
ob_services_finalize (GObject *object)
{
  ObServices *self = OB_SERVICES (object);

  g_clear_pointer (&self->data_dir, g_free);
  g_clear_pointer (&self->api_address_override, g_free);
  g_clear_error (&self->api_error);

  G_OBJECT_CLASS (ob_services_parent_class)->finalize (object);
}

static void
ob_services_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ObServices *self = OB_SERVICES (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      g_value_set_object (value, self->config);
      break;

    case PROP_SECRET_STORE:
      g_value_set_object (value, self->secrets);
      break;

    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;

    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;

    case PROP_MPS_SERVER:
      g_value_set_object (value, self->mps);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_services_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  ObServices *self = OB_SERVICES (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;

    case PROP_SECRET_STORE:
      self->secrets = g_value_dup_object (value);
      break;

    case PROP_DATA_DIR:
      self->data_dir = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_services_class_init (ObServicesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = ob_services_constructed;
  object_class->dispose = ob_services_dispose;
  object_class->finalize = ob_services_finalize;
  object_class->get_property = ob_services_get_property;
  object_class->set_property = ob_services_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, NULL, OB_TYPE_CONFIG,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_SECRET_STORE] =
    g_param_spec_object ("secret-store", NULL, NULL, OB_TYPE_SECRET_STORE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_DATA_DIR] =
    g_param_spec_string ("data-dir", NULL, NULL, NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, ob_services_state_get_type (),
                       OB_SERVICES_STATE_STOPPED,
                       (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The CIRA listener: a new object when its port moves (or after a stop
   * and start), so follow notify::mps-server. */
  properties[PROP_MPS_SERVER] =
    g_param_spec_object ("mps-server", NULL, NULL, OB_TYPE_MPS_SERVER,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObServices::error:
   * @error: what went wrong
   *
   * Something that runs in the background failed after start-up, such as
   * re-issuing the server certificate for a new common name, the REST
   * API (OB_API_ERROR) not starting after the settings asked for it, or
   * the CIRA listener (OB_MPS_ERROR) not starting.
   */
  signals[ERROR] =
    g_signal_new ("error",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ob_services_init (ObServices *self)
{
  self->reissue_delay_ms = DEFAULT_REISSUE_DELAY_MS;
  self->api_port_override = -1;
  self->cira_port_override = -1;
  self->rps_port_override = -1;
}

/**
 * ob_services_new:
 * @config: the engines' settings
 * @secrets: where secrets live
 * @data_dir: (nullable): the data folder, or %NULL for `$XDG_DATA_HOME/outband`
 */
ObServices *
ob_services_new (ObConfig      *config,
                 ObSecretStore *secrets,
                 const char    *data_dir)
{
  g_return_val_if_fail (OB_IS_CONFIG (config), NULL);
  g_return_val_if_fail (OB_IS_SECRET_STORE (secrets), NULL);

  return g_object_new (OB_TYPE_SERVICES,
                       "config", config,
                       "secret-store", secrets,
                       "data-dir", data_dir,
                       NULL);
}

ObServicesState
ob_services_get_state (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), OB_SERVICES_STATE_STOPPED);

  return self->state;
}

const char *
ob_services_get_data_dir (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->data_dir;
}

ObConfig *
ob_services_get_config (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->config;
}

ObSecretStore *
ob_services_get_secret_store (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->secrets;
}

/* NULL until started (or when the store could not be opened). */
ObStore *
ob_services_get_store (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->store;
}

ObCertAuthority *
ob_services_get_cert_authority (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->cert_authority;
}

/* NULL until started.  The registry of every managed device. */
ObDeviceRegistry *
ob_services_get_device_registry (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->registry;
}

/* NULL until started; then the REST API server, running or not (see its
 * "running" and "port" properties). */
ObApiServer *
ob_services_get_api_server (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->api;
}

/* NULL until started; then the CIRA listener, listening or not (see its
 * "listening", "address", "port", "n-connected" and "last-error"
 * properties).  Replaced by a new one when the cira-port setting moves a
 * listener that was bound: follow notify::mps-server. */
ObMpsServer *
ob_services_get_mps_server (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->mps;
}

/* `outband --cira-port`: listen on @port (0: any free port, -1: the
 * setting) for this run, whatever the setting says.  Call before
 * starting. */
void
ob_services_force_cira_port (ObServices *self,
                             int         port)
{
  g_return_if_fail (OB_IS_SERVICES (self));
  g_return_if_fail (port >= -1 && port <= 65535);

  self->cira_port_override = port;
}

ObRpsServer *
ob_services_get_rps_server (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->rps;
}

void
ob_services_force_rps_port (ObServices *self,
                            int         port)
{
  g_return_if_fail (OB_IS_SERVICES (self));
  g_return_if_fail (port >= -1 && port <= 65535);

  self->rps_port_override = port;
}

/* Why the REST API last failed to start (an OB_API_ERROR), or NULL when it
 * runs, is starting, is off, or has not been tried.  ObServices::error
 * tells when it fails again. */
const GError *
ob_services_get_api_error (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), NULL);

  return self->api_error;
}

/* Something the API needs changed outside the settings (its password was
 * set): start it again if it should run but failed to start.  Returns
 * whether a new start was scheduled. */
gboolean
ob_services_retry_api (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), FALSE);

  if (self->state != OB_SERVICES_STATE_RUNNING || self->api == NULL)
    return FALSE;
  if (!api_wanted (self) || ob_api_server_get_running (self->api))
    return FALSE;
  /* Only after a failed start: none is in flight or already scheduled. */
  if (self->api_error == NULL || self->api_restart_source != 0)
    return FALSE;

  self->api_restart_source = g_timeout_add (API_RESTART_DELAY_MS, api_restart_timeout, self);
  return TRUE;
}

/* The CIRA listener is not listening (its port was taken, it had no
 * certificate): a new one tries again where the first one tried.  Returns
 * whether a new start began. */
gboolean
ob_services_retry_mps (ObServices *self)
{
  g_return_val_if_fail (OB_IS_SERVICES (self), FALSE);

  if (self->state != OB_SERVICES_STATE_RUNNING || self->registry == NULL)
    return FALSE;
  if (self->mps != NULL && ob_mps_server_get_listening (self->mps))
    return FALSE;

  g_clear_handle_id (&self->mps_restart_source, g_source_remove);
  replace_mps (self);
  ob_mps_server_start_async (self->mps, NULL, self->cira_port_override, self->cancellable,
                             on_mps_restarted, NULL);
  return TRUE;
}

void
ob_services_force_api (ObServices *self,
                       const char *address,
                       int         port)
{
  g_return_if_fail (OB_IS_SERVICES (self));
  g_return_if_fail (port <= 65535);

  self->api_forced = TRUE;
  g_free (self->api_address_override);
  self->api_address_override = g_strdup (address);
  self->api_port_override = port < 0 ? -1 : port;
}

/* Tests shorten the wait before a new common name takes effect. */
void
ob_services_set_reissue_delay (ObServices *self,
                               guint       milliseconds)
{
  g_return_if_fail (OB_IS_SERVICES (self));

  self->reissue_delay_ms = milliseconds;
}
