/* ob-device.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-features.h"
#include "ob-amt-identity.h"
#include "ob-amt-power.h"
#include "ob-apf-session.h"
#include "ob-device.h"
#include "ob-device-private.h"
#include "ob-http-error.h"
#include "ob-lan-stream-source.h"
#include "ob-util.h"
#include "ob-wsman-client.h"

#define DEFAULT_USERNAME "admin"
#define LAN_HTTP_PORT    16992
#define LAN_TLS_PORT     16993
#define CIRA_IDLE_CONNECTION_MS 5000

struct _ObDevice
{
  GObject               parent_instance;

  ObDeviceRecord       *record;
  char                 *password;
  ObStreamSource       *transport;
  /* The transport was made here from the record, so record edits
   * (TLS settings, host) apply to it. */
  gboolean              own_transport;
  ObWsmanClient        *client;

  char                 *name;
  ObDeviceReachability  reachability;
  guint                 power_state;
  guint                 os_power_saving_state;
  char                 *amt_version;
  char                 *amt_build;
  char                 *sku;
  ObDeviceControlMode   control_mode;
  gboolean              kvm_enabled;
  gboolean              sol_enabled;
  gboolean              ider_enabled;
  char                 *user_consent;
  char                 *last_error;
  GDateTime            *last_refreshed;
  guint                 busy_count;

  /* The refresh in flight, shared by every caller. */
  struct _Refresh      *refresh;

  /* For the registry (ob-device-private.h). */
  ObDeviceStateFunc     state_func;
  gpointer              state_data;
  gint64                last_polled;
};

static void ob_device_stream_source_init (ObStreamSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObDevice, ob_device, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OB_TYPE_STREAM_SOURCE,
                                                      ob_device_stream_source_init))

enum {
  PROP_0,
  PROP_GUID,
  PROP_NAME,
  PROP_HOST,
  PROP_PORT,
  PROP_TRANSPORT,
  PROP_USE_TLS,
  PROP_TAGS,
  PROP_USERNAME,
  PROP_REACHABILITY,
  PROP_POWER_STATE,
  PROP_OS_POWER_SAVING_STATE,
  PROP_AMT_VERSION,
  PROP_AMT_BUILD,
  PROP_SKU,
  PROP_CONTROL_MODE,
  PROP_KVM_ENABLED,
  PROP_SOL_ENABLED,
  PROP_IDER_ENABLED,
  PROP_USER_CONSENT,
  PROP_LAST_ERROR,
  PROP_LAST_REFRESHED,
  PROP_BUSY,
  PROP_TRANSPORT_SOURCE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Enums */

static const GEnumValue reachability_values[] = {
  { OB_DEVICE_REACHABILITY_UNKNOWN, "OB_DEVICE_REACHABILITY_UNKNOWN", "unknown" },
  { OB_DEVICE_REACHABILITY_REACHABLE, "OB_DEVICE_REACHABILITY_REACHABLE", "reachable" },
  { OB_DEVICE_REACHABILITY_UNREACHABLE, "OB_DEVICE_REACHABILITY_UNREACHABLE", "unreachable" },
  { OB_DEVICE_REACHABILITY_AUTH_FAILED, "OB_DEVICE_REACHABILITY_AUTH_FAILED", "auth-failed" },
  { 0, NULL, NULL },
};

static const GEnumValue control_mode_values[] = {
  { OB_DEVICE_CONTROL_MODE_UNKNOWN, "OB_DEVICE_CONTROL_MODE_UNKNOWN", "unknown" },
  { OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED, "OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED", "pre-provisioned" },
  { OB_DEVICE_CONTROL_MODE_CCM, "OB_DEVICE_CONTROL_MODE_CCM", "ccm" },
  { OB_DEVICE_CONTROL_MODE_ACM, "OB_DEVICE_CONTROL_MODE_ACM", "acm" },
  { 0, NULL, NULL },
};

GType
ob_device_reachability_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType t = g_enum_register_static (g_intern_static_string ("ObDeviceReachability"),
                                        reachability_values);
      g_once_init_leave (&type_id, t);
    }

  return type_id;
}

const char *
ob_device_reachability_to_string (ObDeviceReachability reachability)
{
  for (guint i = 0; reachability_values[i].value_nick != NULL; i++)
    if (reachability_values[i].value == (gint) reachability)
      return reachability_values[i].value_nick;

  return "unknown";
}

GType
ob_device_control_mode_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType t = g_enum_register_static (g_intern_static_string ("ObDeviceControlMode"),
                                        control_mode_values);
      g_once_init_leave (&type_id, t);
    }

  return type_id;
}

const char *
ob_device_control_mode_to_string (ObDeviceControlMode mode)
{
  for (guint i = 0; control_mode_values[i].value_nick != NULL; i++)
    if (control_mode_values[i].value == (gint) mode)
      return control_mode_values[i].value_nick;

  return "unknown";
}

const char *
ob_device_control_mode_to_open_amt (ObDeviceControlMode mode)
{
  switch (mode)
    {
    case OB_DEVICE_CONTROL_MODE_CCM:
      return "1";
    case OB_DEVICE_CONTROL_MODE_ACM:
      return "2";
    case OB_DEVICE_CONTROL_MODE_UNKNOWN:
    case OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED:
    default:
      return "0";
    }
}

/* Records */

static guint
record_port (ObDeviceRecord *record)
{
  guint port = ob_device_record_get_port (record);

  /* Over CIRA WS-Man always goes to 16992 inside the tunnel (the tunnel
   * is the TLS), as the reference does; the record's LAN settings do not
   * apply. */
  if (ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_CIRA)
    return LAN_HTTP_PORT;

  if (port != 0)
    return port;

  return ob_device_record_get_use_tls (record) ? LAN_TLS_PORT : LAN_HTTP_PORT;
}

static const char *
record_username (ObDeviceRecord *record)
{
  const char *username = ob_device_record_get_amt_username (record);

  return username != NULL && *username != '\0' ? username : DEFAULT_USERNAME;
}

static const char *
record_host (ObDeviceRecord *record)
{
  const char *host = ob_device_record_get_host (record);

  return host != NULL ? host : ob_device_record_get_hostname (record);
}

/* Property helpers: notify only on change */

static void
set_string (ObDevice    *self,
            char       **field,
            const char  *value,
            guint        prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_uint (ObDevice *self,
          guint    *field,
          guint     value,
          guint     prop_id)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
set_boolean (ObDevice *self,
             gboolean *field,
             gboolean  value,
             guint     prop_id)
{
  value = !!value;
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void
state_changed (ObDevice *self,
               gboolean  reachability_changed)
{
  if (self->state_func != NULL)
    self->state_func (self, reachability_changed, self->state_data);
}

static void
set_reachability (ObDevice             *self,
                  ObDeviceReachability  reachability)
{
  if (self->reachability == reachability)
    return;

  self->reachability = reachability;
  state_changed (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REACHABILITY]);
}

static void
set_control_mode (ObDevice            *self,
                  ObDeviceControlMode  mode)
{
  if (self->control_mode == mode)
    return;

  self->control_mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTROL_MODE]);
}

static void
update_name (ObDevice *self)
{
  const char *friendly = ob_device_record_get_friendly_name (self->record);
  const char *name;

  if (friendly != NULL && *friendly != '\0')
    name = friendly;
  else if (record_host (self->record) != NULL)
    name = record_host (self->record);
  else
    name = ob_device_record_get_guid (self->record);

  set_string (self, &self->name, name, PROP_NAME);
}

/* Transport and WS-Man client */

static void
drop_client (ObDevice *self)
{
  /* Requests already running on the old client finish on it; the next
   * caller gets a client with the new settings. */
  g_clear_object (&self->client);
}

static ObStreamSource *
make_lan_transport (ObDeviceRecord *record)
{
  ObLanStreamSource *source = ob_lan_stream_source_new (record_host (record));

  ob_lan_stream_source_set_use_tls (source, ob_device_record_get_use_tls (record));
  ob_lan_stream_source_set_pinned_fingerprint (source,
                                               ob_device_record_get_pinned_fingerprint (record));
  ob_lan_stream_source_set_legacy_tls (source, ob_device_record_get_legacy_tls (record));

  return OB_STREAM_SOURCE (source);
}

static char *
make_host_header (ObDevice *self)
{
  const char *host = record_host (self->record);
  guint port = record_port (self->record);

  /* CIRA devices are addressed by GUID, as the MPS does. */
  if (ob_device_record_get_transport (self->record) == OB_DEVICE_TRANSPORT_CIRA || host == NULL)
    return g_strdup_printf ("%s:%u", ob_device_record_get_guid (self->record), port);

  if (strchr (host, ':') != NULL && host[0] != '[')
    return g_strdup_printf ("[%s]:%u", host, port);

  return g_strdup_printf ("%s:%u", host, port);
}

ObWsmanClient *
ob_device_get_wsman_client (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  /* The client runs on the transport itself, not on the device: it holds a
   * reference to its source, and the device holds the client. */
  if (self->client == NULL && self->transport != NULL)
    {
      g_autofree char *host_header = make_host_header (self);

      self->client = ob_wsman_client_new (self->transport, record_port (self->record),
                                          host_header, record_username (self->record),
                                          self->password);
      /* Through a CIRA tunnel an idle connection is a channel the
       * firmware keeps open for us: a few seconds covers the calls of one
       * page or REST request. */
      if (ob_device_get_transport (self) == OB_DEVICE_TRANSPORT_CIRA)
        ob_wsman_client_set_idle_lifetime_ms (self->client, CIRA_IDLE_CONNECTION_MS);
    }

  return self->client;
}

/* ObStreamSource */

static void
transport_open_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  GIOStream *stream;

  stream = ob_stream_source_open_stream_finish (OB_STREAM_SOURCE (object), result, &error);
  if (stream == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, stream, g_object_unref);
}

/* A CIRA device counts as connected once it has authenticated, as in the
 * reference (the row is marked connected before the tcpip-forward
 * requests), but AMT forwards its ports just after: a channel opened in
 * between is refused.  The open waits this long for the port. */
#define PORT_FORWARD_WAIT_MS 5000

typedef struct
{
  GTask        *task;
  ObApfSession *session;
  guint         port;
  gulong        forwarded_id;
  gulong        closed_id;
  GSource      *cancel_source;
  guint         timeout_id;
} PortWait;

static void
port_wait_finish (PortWait *wait)
{
  g_autoptr(GTask) task = g_steal_pointer (&wait->task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  ObDevice *self = g_task_get_source_object (task);
  guint port;

  g_clear_signal_handler (&wait->forwarded_id, wait->session);
  g_clear_signal_handler (&wait->closed_id, wait->session);
  g_clear_handle_id (&wait->timeout_id, g_source_remove);
  if (wait->cancel_source != NULL)
    {
      g_source_destroy (wait->cancel_source);
      g_clear_pointer (&wait->cancel_source, g_source_unref);
    }
  g_object_unref (wait->session);
  g_free (wait);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* Forwarded, timed out or closed: the open says which. */
  if (self->transport == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                               "%s is not connected", self->name);
      return;
    }
  port = GPOINTER_TO_UINT (g_task_get_task_data (task));
  ob_stream_source_open_stream_async (self->transport, port, cancellable, transport_open_cb,
                                      g_steal_pointer (&task));
}

static void
on_wait_port_forwarded (ObApfSession *session,
                        guint         port,
                        gpointer      user_data)
{
  PortWait *wait = user_data;

  if (port == wait->port)
    port_wait_finish (wait);
}

static void
on_wait_closed (ObApfSession *session,
                int           reason,
                GError       *error,
                gpointer      user_data)
{
  port_wait_finish (user_data);
}

static gboolean
on_wait_timeout (gpointer user_data)
{
  PortWait *wait = user_data;

  wait->timeout_id = 0;
  port_wait_finish (wait);
  return G_SOURCE_REMOVE;
}

static gboolean
on_wait_cancelled (GCancellable *cancellable,
                   gpointer      user_data)
{
  PortWait *wait = user_data;

  g_clear_pointer (&wait->cancel_source, g_source_unref);
  port_wait_finish (wait);
  return G_SOURCE_REMOVE;
}

static void
ob_device_open_stream_async (ObStreamSource      *source,
                             guint                port,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  ObDevice *self = OB_DEVICE (source);
  g_autoptr(GTask) task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_open_stream_async);

  if (self->transport == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                               "%s is not connected", self->name);
      return;
    }

  if (OB_IS_APF_SESSION (self->transport)
      && !ob_apf_session_has_forwarded_port (OB_APF_SESSION (self->transport), port))
    {
      PortWait *wait = g_new0 (PortWait, 1);

      g_task_set_task_data (task, GUINT_TO_POINTER (port), NULL);
      wait->session = g_object_ref (OB_APF_SESSION (self->transport));
      wait->port = port;
      wait->task = g_steal_pointer (&task);
      wait->forwarded_id = g_signal_connect (wait->session, "port-forwarded",
                                             G_CALLBACK (on_wait_port_forwarded), wait);
      wait->closed_id = g_signal_connect (wait->session, "closed",
                                          G_CALLBACK (on_wait_closed), wait);
      wait->timeout_id = g_timeout_add (PORT_FORWARD_WAIT_MS, on_wait_timeout, wait);
      if (cancellable != NULL)
        {
          wait->cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_callback (wait->cancel_source, G_SOURCE_FUNC (on_wait_cancelled), wait, NULL);
          g_source_attach (wait->cancel_source, g_task_get_context (wait->task));
        }
      return;
    }

  g_task_set_task_data (task, GUINT_TO_POINTER (port), NULL);
  ob_stream_source_open_stream_async (self->transport, port, cancellable,
                                      transport_open_cb, g_steal_pointer (&task));
}

static GIOStream *
ob_device_open_stream_finish (ObStreamSource  *source,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, source), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
ob_device_stream_source_init (ObStreamSourceInterface *iface)
{
  iface->open_stream_async = ob_device_open_stream_async;
  iface->open_stream_finish = ob_device_open_stream_finish;
}

ObStreamSource *
ob_device_get_transport_source (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->transport;
}

void
ob_device_set_transport_source (ObDevice       *self,
                                ObStreamSource *transport)
{
  g_return_if_fail (OB_IS_DEVICE (self));
  g_return_if_fail (transport == NULL || OB_IS_STREAM_SOURCE (transport));
  g_return_if_fail (transport != OB_STREAM_SOURCE (self));

  if (self->transport == transport)
    return;

  g_set_object (&self->transport, transport);
  self->own_transport = FALSE;
  drop_client (self);
  state_changed (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT_SOURCE]);
}

void
_ob_device_set_state_func (ObDevice          *self,
                           ObDeviceStateFunc  func,
                           gpointer           user_data)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  self->state_func = func;
  self->state_data = func != NULL ? user_data : NULL;
}

gint64
_ob_device_get_last_polled (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), G_MININT64);

  return self->last_polled;
}

void
_ob_device_set_last_polled (ObDevice *self,
                            gint64    when)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  self->last_polled = when;
}

gboolean
ob_device_is_connected (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  if (ob_device_get_transport (self) == OB_DEVICE_TRANSPORT_CIRA)
    return self->transport != NULL;

  return self->reachability == OB_DEVICE_REACHABILITY_REACHABLE;
}

/* Outcomes */

static gboolean
error_is_unreachable (const GError *error)
{
  if (error->domain == G_IO_ERROR || error->domain == G_RESOLVER_ERROR ||
      error->domain == G_TLS_ERROR)
    return TRUE;

  if (error->domain == OB_DEVICE_ERROR)
    return error->code == OB_DEVICE_ERROR_CERTIFICATE_NOT_PINNED ||
           error->code == OB_DEVICE_ERROR_CERTIFICATE_MISMATCH ||
           error->code == OB_DEVICE_ERROR_TLS_FAILED ||
           error->code == OB_DEVICE_ERROR_NOT_CONNECTED;

  if (error->domain == OB_WSMAN_ERROR)
    return error->code == OB_WSMAN_ERROR_TIMEOUT;

  if (error->domain == OB_HTTP_ERROR)
    return error->code == OB_HTTP_ERROR_CONNECTION_CLOSED ||
           error->code == OB_HTTP_ERROR_TRUNCATED ||
           error->code == OB_HTTP_ERROR_TIMEOUT;

  return FALSE;
}

static gboolean
error_is_auth (const GError *error)
{
  return g_error_matches (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_AUTH_FAILED) ||
         g_error_matches (error, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NO_PASSWORD) ||
         g_error_matches (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH);
}

void
ob_device_report_result (ObDevice     *self,
                         const GError *error)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  if (error == NULL)
    {
      set_reachability (self, OB_DEVICE_REACHABILITY_REACHABLE);
      set_string (self, &self->last_error, NULL, PROP_LAST_ERROR);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  /* Unreachable devices are normal on a LAN (laptops go home): debug
   * only, never a warning. */
  g_debug ("%s: %s", self->name, error->message);

  if (error_is_auth (error))
    set_reachability (self, OB_DEVICE_REACHABILITY_AUTH_FAILED);
  else if (error_is_unreachable (error))
    set_reachability (self, OB_DEVICE_REACHABILITY_UNREACHABLE);
  else
    set_reachability (self, OB_DEVICE_REACHABILITY_REACHABLE);

  set_string (self, &self->last_error, error->message, PROP_LAST_ERROR);
}

void
ob_device_hold_busy (ObDevice *self)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  if (self->busy_count++ == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
ob_device_release_busy (ObDevice *self)
{
  g_return_if_fail (OB_IS_DEVICE (self));
  g_return_if_fail (self->busy_count > 0);

  if (--self->busy_count == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

void
ob_device_set_power_state (ObDevice *self,
                           guint     power_state)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  set_uint (self, &self->power_state, power_state, PROP_POWER_STATE);
}

/* Refresh */

typedef struct _Refresh Refresh;

typedef struct
{
  Refresh      *refresh;
  GTask        *task;
  GCancellable *cancellable;
  gulong        cancel_id;
  guint         cancel_idle;
} Waiter;

struct _Refresh
{
  ObDevice      *device;          /* weak: the device owns the refresh */
  ObWsmanClient *client;
  GCancellable  *cancellable;
  GList         *waiters;
  guint          n_pending;

  gboolean       have_version;
  ObAmtVersion  *version;
  GError        *version_error;

  gboolean       have_power;
  guint          power_state;
  guint          os_power_saving_state;
  GError        *power_error;

  ObAmtFeatures *features;
  GError        *features_error;
};

static void
waiter_free (Waiter *waiter)
{
  if (waiter->cancel_id != 0)
    g_cancellable_disconnect (waiter->cancellable, waiter->cancel_id);
  g_clear_handle_id (&waiter->cancel_idle, g_source_remove);
  g_clear_object (&waiter->cancellable);
  g_clear_object (&waiter->task);
  g_free (waiter);
}

static void
refresh_free (Refresh *refresh)
{
  g_assert (refresh->waiters == NULL);

  g_clear_object (&refresh->client);
  g_clear_object (&refresh->cancellable);
  g_clear_pointer (&refresh->version, ob_amt_version_free);
  g_clear_pointer (&refresh->features, ob_amt_features_free);
  g_clear_error (&refresh->version_error);
  g_clear_error (&refresh->power_error);
  g_clear_error (&refresh->features_error);
  g_free (refresh);
}

/* Main context: the caller's cancellable fired.  That caller gets its
 * answer now; the refresh goes on for the others, or stops when nobody
 * waits any more. */
static gboolean
waiter_cancelled_idle (gpointer user_data)
{
  Waiter *waiter = user_data;
  Refresh *refresh = waiter->refresh;
  g_autoptr(GError) error = NULL;

  waiter->cancel_idle = 0;
  refresh->waiters = g_list_remove (refresh->waiters, waiter);

  g_cancellable_set_error_if_cancelled (waiter->cancellable, &error);
  g_task_return_error (waiter->task, g_steal_pointer (&error));
  waiter_free (waiter);

  if (refresh->waiters == NULL)
    g_cancellable_cancel (refresh->cancellable);

  return G_SOURCE_REMOVE;
}

/* Any thread: only schedule the work on the device's context. */
static void
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      user_data)
{
  Waiter *waiter = user_data;
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, waiter_cancelled_idle, waiter, NULL);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  waiter->cancel_idle = g_source_attach (source, g_task_get_context (waiter->task));
  g_source_unref (source);
}

static ObDeviceControlMode
control_mode_from_version (const ObAmtVersion *version)
{
  /* ProvisioningState 2 is post-provisioning; 0 and 1 are not (yet)
   * provisioned. */
  if (version->provisioning_state != 2)
    return OB_DEVICE_CONTROL_MODE_PRE_PROVISIONED;

  switch (version->provisioning_mode)
    {
    case 1:
      return OB_DEVICE_CONTROL_MODE_ACM;
    case 4:
      return OB_DEVICE_CONTROL_MODE_CCM;
    default:
      return OB_DEVICE_CONTROL_MODE_UNKNOWN;
    }
}

static const GError *
refresh_first_error (Refresh *refresh)
{
  /* Version and power state are what the device list needs; the feature
   * classes are optional, except when their failure says the device is
   * gone or the password wrong. */
  if (refresh->version_error != NULL)
    return refresh->version_error;
  if (refresh->power_error != NULL)
    return refresh->power_error;
  if (refresh->features_error != NULL &&
      (error_is_auth (refresh->features_error) ||
       error_is_unreachable (refresh->features_error)))
    return refresh->features_error;

  return NULL;
}

static void
refresh_apply (ObDevice *self,
               Refresh  *refresh)
{
  const GError *error = refresh_first_error (refresh);

  g_object_freeze_notify (G_OBJECT (self));

  if (refresh->have_version && refresh->version != NULL)
    {
      const ObAmtVersion *version = refresh->version;
      ObDeviceControlMode mode = control_mode_from_version (version);

      set_string (self, &self->amt_version,
                  *version->amt_version != '\0' ? version->amt_version : NULL,
                  PROP_AMT_VERSION);
      set_string (self, &self->amt_build,
                  *version->build_number != '\0' ? version->build_number : NULL,
                  PROP_AMT_BUILD);
      set_string (self, &self->sku, *version->sku != '\0' ? version->sku : NULL, PROP_SKU);
      set_control_mode (self, mode);

      /* Keep the record's device info (Open AMT's deviceInfo) current, so
       * the registry can store it. */
      ob_device_record_set_fw_version (self->record, self->amt_version);
      ob_device_record_set_fw_build (self->record, self->amt_build);
      ob_device_record_set_fw_sku (self->record, self->sku);
      ob_device_record_set_current_mode (self->record, ob_device_control_mode_to_open_amt (mode));
    }

  if (refresh->have_power)
    {
      set_uint (self, &self->power_state, refresh->power_state, PROP_POWER_STATE);
      set_uint (self, &self->os_power_saving_state, refresh->os_power_saving_state,
                PROP_OS_POWER_SAVING_STATE);
    }

  if (refresh->features != NULL)
    {
      set_boolean (self, &self->kvm_enabled, refresh->features->kvm, PROP_KVM_ENABLED);
      set_boolean (self, &self->sol_enabled, refresh->features->sol, PROP_SOL_ENABLED);
      set_boolean (self, &self->ider_enabled, refresh->features->ider, PROP_IDER_ENABLED);
      set_string (self, &self->user_consent,
                  ob_amt_user_consent_to_string (refresh->features->user_consent),
                  PROP_USER_CONSENT);
    }
  else if (refresh->features_error != NULL)
    g_debug ("%s: features not read: %s", self->name, refresh->features_error->message);

  if (error == NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

      g_clear_pointer (&self->last_refreshed, g_date_time_unref);
      self->last_refreshed = g_date_time_ref (now);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_REFRESHED]);
      ob_device_record_set_device_info_updated (self->record, now);
    }

  ob_device_report_result (self, error);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
refresh_step_done (Refresh *refresh)
{
  ObDevice *self = refresh->device;
  const GError *error;
  GList *waiters;

  g_assert (refresh->n_pending > 0);
  if (--refresh->n_pending > 0)
    return;

  /* self is NULL when the device went away mid-refresh, or when every
   * caller cancelled and a newer refresh took over. */
  if (self != NULL)
    {
      g_assert (self->refresh == refresh);
      self->refresh = NULL;

      if (!g_cancellable_is_cancelled (refresh->cancellable))
        refresh_apply (self, refresh);
      ob_device_release_busy (self);
    }

  error = refresh_first_error (refresh);

  waiters = g_steal_pointer (&refresh->waiters);
  for (GList *l = waiters; l != NULL; l = l->next)
    {
      Waiter *waiter = l->data;

      if (error != NULL)
        g_task_return_error (waiter->task, g_error_copy (error));
      else if (g_cancellable_is_cancelled (refresh->cancellable))
        g_task_return_new_error (waiter->task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                 "The refresh was cancelled");
      else
        g_task_return_boolean (waiter->task, TRUE);
      waiter_free (waiter);
    }
  g_list_free (waiters);

  refresh_free (refresh);
}

static void
version_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(JsonNode) json = NULL;

  json = ob_amt_version_finish (OB_WSMAN_CLIENT (object), result, &refresh->version,
                                &refresh->version_error);
  refresh->have_version = json != NULL;
  refresh_step_done (refresh);
}

static void
power_cb (GObject      *object,
          GAsyncResult *result,
          gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(JsonNode) json = NULL;

  json = ob_amt_power_state_finish (OB_WSMAN_CLIENT (object), result, &refresh->power_state,
                                    &refresh->os_power_saving_state, &refresh->power_error);
  refresh->have_power = json != NULL;
  refresh_step_done (refresh);
}

static void
features_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(JsonNode) json = NULL;

  json = ob_amt_features_get_finish (OB_WSMAN_CLIENT (object), result, &refresh->features,
                                     &refresh->features_error);
  if (json == NULL)
    g_clear_pointer (&refresh->features, ob_amt_features_free);
  refresh_step_done (refresh);
}

void
ob_device_refresh_async (ObDevice            *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ObWsmanClient *client;
  Waiter *waiter;

  g_return_if_fail (OB_IS_DEVICE (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_device_refresh_async);

  if (g_task_return_error_if_cancelled (task))
    return;

  /* A refresh every caller gave up on is still winding down: leave it to
   * finish on its own and start a fresh one. */
  if (self->refresh != NULL && g_cancellable_is_cancelled (self->refresh->cancellable))
    {
      self->refresh->device = NULL;
      self->refresh = NULL;
      ob_device_release_busy (self);
    }

  if (self->refresh == NULL)
    {
      Refresh *refresh;

      client = ob_device_get_wsman_client (self);
      if (client == NULL)
        {
          g_autoptr(GError) error = g_error_new (OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                                                 "%s is not connected", self->name);

          ob_device_report_result (self, error);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      /* Asking without a password only earns a digest failure that says
       * less than this. */
      if (self->password == NULL)
        {
          g_autoptr(GError) error = g_error_new (OB_DEVICE_ERROR, OB_DEVICE_ERROR_NO_PASSWORD,
                                                 "No AMT password is stored for %s; enter it "
                                                 "in the device's settings", self->name);

          ob_device_report_result (self, error);
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }

      refresh = g_new0 (Refresh, 1);
      refresh->device = self;
      refresh->client = g_object_ref (client);
      refresh->cancellable = g_cancellable_new ();
      refresh->n_pending = 3;
      self->refresh = refresh;
      ob_device_hold_busy (self);

      /* Three calls of several requests each; the client runs at most
       * three at a time and queues the rest. */
      ob_amt_version_async (client, refresh->cancellable, version_cb, refresh);
      ob_amt_power_state_async (client, refresh->cancellable, power_cb, refresh);
      ob_amt_features_get_async (client, refresh->cancellable, features_cb, refresh);
    }

  waiter = g_new0 (Waiter, 1);
  waiter->refresh = self->refresh;
  waiter->task = g_steal_pointer (&task);
  self->refresh->waiters = g_list_append (self->refresh->waiters, waiter);
  if (cancellable != NULL)
    {
      waiter->cancellable = g_object_ref (cancellable);
      waiter->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb),
                                                 waiter, NULL);
    }
}

gboolean
ob_device_refresh_finish (ObDevice      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The GUID */

char *
_ob_device_guid_from_platform_guid (const char *platform_guid)
{
  guint8 bytes[16];
  gboolean all_zero = TRUE;
  gboolean all_ones = TRUE;
  g_autofree char *trimmed = NULL;

  if (platform_guid == NULL)
    return NULL;

  trimmed = g_strstrip (g_strdup (platform_guid));

  if (strlen (trimmed) == 32)
    {
      for (guint i = 0; i < 16; i++)
        {
          int hi = g_ascii_xdigit_value (trimmed[2 * i]);
          int lo = g_ascii_xdigit_value (trimmed[2 * i + 1]);

          if (hi < 0 || lo < 0)
            return NULL;
          bytes[i] = (guint8) (hi << 4 | lo);
        }
      ob_uuid_swap_smbios_order (bytes);
    }
  else if (!ob_uuid_parse (trimmed, bytes))
    return NULL;

  for (guint i = 0; i < 16; i++)
    {
      all_zero = all_zero && bytes[i] == 0x00;
      all_ones = all_ones && bytes[i] == 0xff;
    }
  if (all_zero || all_ones)
    return NULL;

  return ob_uuid_to_string (bytes);
}

static void
fetch_guid_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ObDevice *self = g_task_get_source_object (task);
  g_autoptr(ObWsmanResponse) response = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *package;
  const char *platform_guid = NULL;
  char *guid;

  response = ob_wsman_client_request_finish (OB_WSMAN_CLIENT (object), result, &error);
  if (response == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  package = ob_wsman_response_get_class_json (response, "CIM_ComputerSystemPackage");
  if (package != NULL && json_object_has_member (package, "PlatformGUID"))
    {
      JsonNode *node = json_object_get_member (package, "PlatformGUID");

      if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
        platform_guid = json_node_get_string (node);
    }

  guid = _ob_device_guid_from_platform_guid (platform_guid);
  if (guid == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NO_GUID,
                               "%s answered but did not report a usable platform GUID",
                               self->name);
      return;
    }

  g_task_return_pointer (task, guid, g_free);
}

void
_ob_device_fetch_guid_async (ObDevice            *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  ObWsmanClient *client;

  g_return_if_fail (OB_IS_DEVICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _ob_device_fetch_guid_async);

  client = ob_device_get_wsman_client (self);
  if (client == NULL)
    {
      g_task_return_new_error (task, OB_DEVICE_ERROR, OB_DEVICE_ERROR_NOT_CONNECTED,
                               "%s is not connected", self->name);
      return;
    }

  ob_wsman_client_get_async (client, "CIM_ComputerSystemPackage", NULL, cancellable,
                             fetch_guid_cb, g_steal_pointer (&task));
}

char *
_ob_device_fetch_guid_finish (ObDevice      *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Records and passwords */

ObDeviceRecord *
ob_device_dup_record (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return ob_device_record_copy (self->record);
}

/* g_strv_equal() does not take NULL. */
static gboolean
tags_equal (const char * const *a,
            const char * const *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return g_strv_equal (a, b);
}

static gboolean
guid_equal (const char *a,
            const char *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return g_ascii_strcasecmp (a, b) == 0;
}

static void
apply_record (ObDevice       *self,
              ObDeviceRecord *record)
{
  ObDeviceRecord *old = self->record;
  gboolean client_changed;
  gboolean host_changed;

  host_changed = old == NULL || g_strcmp0 (record_host (old), record_host (record)) != 0;
  client_changed = host_changed ||
                   record_port (old) != record_port (record) ||
                   g_strcmp0 (record_username (old), record_username (record)) != 0 ||
                   ob_device_record_get_transport (old) != ob_device_record_get_transport (record) ||
                   ob_device_record_get_use_tls (old) != ob_device_record_get_use_tls (record) ||
                   ob_device_record_get_legacy_tls (old) != ob_device_record_get_legacy_tls (record) ||
                   g_strcmp0 (ob_device_record_get_pinned_fingerprint (old),
                              ob_device_record_get_pinned_fingerprint (record)) != 0 ||
                   !guid_equal (ob_device_record_get_guid (old), ob_device_record_get_guid (record));

  self->record = ob_device_record_copy (record);

  g_object_freeze_notify (G_OBJECT (self));

  if (old == NULL || !guid_equal (ob_device_record_get_guid (old),
                                  ob_device_record_get_guid (record)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUID]);
  if (old == NULL || host_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HOST]);
  if (old == NULL || record_port (old) != record_port (record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  if (old == NULL || ob_device_record_get_transport (old) != ob_device_record_get_transport (record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
  if (old == NULL || ob_device_record_get_use_tls (old) != ob_device_record_get_use_tls (record))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USE_TLS]);
  if (old == NULL || !tags_equal (ob_device_record_get_tags (old),
                                  ob_device_record_get_tags (record)))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TAGS]);
  if (old == NULL || g_strcmp0 (record_username (old), record_username (record)) != 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_USERNAME]);

  update_name (self);

  if (ob_device_record_get_transport (record) == OB_DEVICE_TRANSPORT_LAN &&
      (self->transport == NULL || self->own_transport))
    {
      if (self->transport == NULL || host_changed)
        {
          g_clear_object (&self->transport);
          self->transport = make_lan_transport (record);
          self->own_transport = TRUE;
          client_changed = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT_SOURCE]);
        }
      else
        {
          ObLanStreamSource *lan = OB_LAN_STREAM_SOURCE (self->transport);

          ob_lan_stream_source_set_use_tls (lan, ob_device_record_get_use_tls (record));
          ob_lan_stream_source_set_pinned_fingerprint (lan,
                                                       ob_device_record_get_pinned_fingerprint (record));
          ob_lan_stream_source_set_legacy_tls (lan, ob_device_record_get_legacy_tls (record));
        }
    }

  if (client_changed)
    drop_client (self);

  /* The transport (kind or source) may have changed. */
  state_changed (self, FALSE);

  g_object_thaw_notify (G_OBJECT (self));

  g_clear_object (&old);
}

void
ob_device_set_record (ObDevice       *self,
                      ObDeviceRecord *record)
{
  g_return_if_fail (OB_IS_DEVICE (self));
  g_return_if_fail (OB_IS_DEVICE_RECORD (record));
  /* A device learns its GUID once (when added); it never changes after. */
  g_return_if_fail (ob_device_record_get_guid (self->record) == NULL ||
                    guid_equal (ob_device_record_get_guid (self->record),
                                ob_device_record_get_guid (record)));

  apply_record (self, record);
}

void
ob_device_set_password (ObDevice   *self,
                        const char *amt_password)
{
  g_return_if_fail (OB_IS_DEVICE (self));

  ob_secure_free_string (self->password);
  self->password = g_strdup (amt_password);

  if (self->client != NULL)
    ob_wsman_client_set_credentials (self->client, record_username (self->record),
                                     self->password);
}

const char *
ob_device_get_password (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->password;
}

/* Getters */

const char *
ob_device_get_guid (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return ob_device_record_get_guid (self->record);
}

const char *
ob_device_get_name (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->name;
}

const char *
ob_device_get_host (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return record_host (self->record);
}

guint
ob_device_get_port (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), 0);

  return record_port (self->record);
}

ObDeviceTransport
ob_device_get_transport (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), OB_DEVICE_TRANSPORT_LAN);

  return ob_device_record_get_transport (self->record);
}

gboolean
ob_device_get_use_tls (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  return ob_device_record_get_use_tls (self->record);
}

const char * const *
ob_device_get_tags (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return ob_device_record_get_tags (self->record);
}

const char *
ob_device_get_username (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return record_username (self->record);
}

ObDeviceReachability
ob_device_get_reachability (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), OB_DEVICE_REACHABILITY_UNKNOWN);

  return self->reachability;
}

guint
ob_device_get_power_state (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), 0);

  return self->power_state;
}

guint
ob_device_get_os_power_saving_state (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), 0);

  return self->os_power_saving_state;
}

const char *
ob_device_get_amt_version (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->amt_version;
}

const char *
ob_device_get_amt_build (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->amt_build;
}

const char *
ob_device_get_sku (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->sku;
}

ObDeviceControlMode
ob_device_get_control_mode (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), OB_DEVICE_CONTROL_MODE_UNKNOWN);

  return self->control_mode;
}

gboolean
ob_device_get_kvm_enabled (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  return self->kvm_enabled;
}

gboolean
ob_device_get_sol_enabled (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  return self->sol_enabled;
}

gboolean
ob_device_get_ider_enabled (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  return self->ider_enabled;
}

const char *
ob_device_get_user_consent (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->user_consent;
}

const char *
ob_device_get_last_error (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->last_error;
}

GDateTime *
ob_device_get_last_refreshed (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), NULL);

  return self->last_refreshed;
}

gboolean
ob_device_get_busy (ObDevice *self)
{
  g_return_val_if_fail (OB_IS_DEVICE (self), FALSE);

  return self->busy_count > 0;
}

/* The object */

static void
ob_device_dispose (GObject *object)
{
  ObDevice *self = OB_DEVICE (object);

  /* A refresh still running holds the client, not the device: detach it
   * so its callbacks only answer the waiters. */
  if (self->refresh != NULL)
    {
      self->refresh->device = NULL;
      g_cancellable_cancel (self->refresh->cancellable);
      self->refresh = NULL;
    }

  g_clear_object (&self->client);
  g_clear_object (&self->transport);

  G_OBJECT_CLASS (ob_device_parent_class)->dispose (object);
}

static void
ob_device_finalize (GObject *object)
{
  ObDevice *self = OB_DEVICE (object);

  ob_secure_free_string (self->password);
  g_clear_object (&self->record);
  g_free (self->name);
  g_free (self->amt_version);
  g_free (self->amt_build);
  g_free (self->sku);
  g_free (self->user_consent);
  g_free (self->last_error);
  g_clear_pointer (&self->last_refreshed, g_date_time_unref);

  G_OBJECT_CLASS (ob_device_parent_class)->finalize (object);
}

static void
ob_device_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObDevice *self = OB_DEVICE (object);

  switch (prop_id)
    {
    case PROP_GUID:
      g_value_set_string (value, ob_device_get_guid (self));
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_HOST:
      g_value_set_string (value, ob_device_get_host (self));
      break;
    case PROP_PORT:
      g_value_set_uint (value, ob_device_get_port (self));
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, ob_device_get_transport (self));
      break;
    case PROP_USE_TLS:
      g_value_set_boolean (value, ob_device_get_use_tls (self));
      break;
    case PROP_TAGS:
      g_value_set_boxed (value, ob_device_get_tags (self));
      break;
    case PROP_USERNAME:
      g_value_set_string (value, ob_device_get_username (self));
      break;
    case PROP_REACHABILITY:
      g_value_set_enum (value, self->reachability);
      break;
    case PROP_POWER_STATE:
      g_value_set_uint (value, self->power_state);
      break;
    case PROP_OS_POWER_SAVING_STATE:
      g_value_set_uint (value, self->os_power_saving_state);
      break;
    case PROP_AMT_VERSION:
      g_value_set_string (value, self->amt_version);
      break;
    case PROP_AMT_BUILD:
      g_value_set_string (value, self->amt_build);
      break;
    case PROP_SKU:
      g_value_set_string (value, self->sku);
      break;
    case PROP_CONTROL_MODE:
      g_value_set_enum (value, self->control_mode);
      break;
    case PROP_KVM_ENABLED:
      g_value_set_boolean (value, self->kvm_enabled);
      break;
    case PROP_SOL_ENABLED:
      g_value_set_boolean (value, self->sol_enabled);
      break;
    case PROP_IDER_ENABLED:
      g_value_set_boolean (value, self->ider_enabled);
      break;
    case PROP_USER_CONSENT:
      g_value_set_string (value, self->user_consent);
      break;
    case PROP_LAST_ERROR:
      g_value_set_string (value, self->last_error);
      break;
    case PROP_LAST_REFRESHED:
      g_value_set_boxed (value, self->last_refreshed);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy_count > 0);
      break;
    case PROP_TRANSPORT_SOURCE:
      g_value_set_object (value, self->transport);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ObDevice *self = OB_DEVICE (object);

  switch (prop_id)
    {
    case PROP_TRANSPORT_SOURCE:
      ob_device_set_transport_source (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_class_init (ObDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ob_device_dispose;
  object_class->finalize = ob_device_finalize;
  object_class->get_property = ob_device_get_property;
  object_class->set_property = ob_device_set_property;

  properties[PROP_GUID] = g_param_spec_string ("guid", NULL, NULL, NULL, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_HOST] = g_param_spec_string ("host", NULL, NULL, NULL, ro);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL, OB_TYPE_DEVICE_TRANSPORT,
                       OB_DEVICE_TRANSPORT_LAN, ro);
  properties[PROP_USE_TLS] = g_param_spec_boolean ("use-tls", NULL, NULL, FALSE, ro);
  properties[PROP_TAGS] = g_param_spec_boxed ("tags", NULL, NULL, G_TYPE_STRV, ro);
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, ro);
  properties[PROP_REACHABILITY] =
    g_param_spec_enum ("reachability", NULL, NULL, OB_TYPE_DEVICE_REACHABILITY,
                       OB_DEVICE_REACHABILITY_UNKNOWN, ro);
  properties[PROP_POWER_STATE] =
    g_param_spec_uint ("power-state", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_OS_POWER_SAVING_STATE] =
    g_param_spec_uint ("os-power-saving-state", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_AMT_VERSION] = g_param_spec_string ("amt-version", NULL, NULL, NULL, ro);
  properties[PROP_AMT_BUILD] = g_param_spec_string ("amt-build", NULL, NULL, NULL, ro);
  properties[PROP_SKU] = g_param_spec_string ("sku", NULL, NULL, NULL, ro);
  properties[PROP_CONTROL_MODE] =
    g_param_spec_enum ("control-mode", NULL, NULL, OB_TYPE_DEVICE_CONTROL_MODE,
                       OB_DEVICE_CONTROL_MODE_UNKNOWN, ro);
  properties[PROP_KVM_ENABLED] = g_param_spec_boolean ("kvm-enabled", NULL, NULL, FALSE, ro);
  properties[PROP_SOL_ENABLED] = g_param_spec_boolean ("sol-enabled", NULL, NULL, FALSE, ro);
  properties[PROP_IDER_ENABLED] = g_param_spec_boolean ("ider-enabled", NULL, NULL, FALSE, ro);
  properties[PROP_USER_CONSENT] = g_param_spec_string ("user-consent", NULL, NULL, NULL, ro);
  properties[PROP_LAST_ERROR] = g_param_spec_string ("last-error", NULL, NULL, NULL, ro);
  properties[PROP_LAST_REFRESHED] =
    g_param_spec_boxed ("last-refreshed", NULL, NULL, G_TYPE_DATE_TIME, ro);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, ro);
  properties[PROP_TRANSPORT_SOURCE] =
    g_param_spec_object ("transport-source", NULL, NULL, OB_TYPE_STREAM_SOURCE,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_device_init (ObDevice *self)
{
  self->last_polled = G_MININT64;
}

ObDevice *
ob_device_new (ObDeviceRecord *record,
               const char     *amt_password,
               ObStreamSource *transport)
{
  ObDevice *self;

  g_return_val_if_fail (OB_IS_DEVICE_RECORD (record), NULL);
  g_return_val_if_fail (transport == NULL || OB_IS_STREAM_SOURCE (transport), NULL);

  self = g_object_new (OB_TYPE_DEVICE, NULL);
  self->password = g_strdup (amt_password);
  if (transport != NULL)
    self->transport = g_object_ref (transport);

  /* No notifications during construction: nobody can be connected yet. */
  g_object_freeze_notify (G_OBJECT (self));
  apply_record (self, record);
  g_object_thaw_notify (G_OBJECT (self));

  return self;
}
