/* ob-device-presence.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-apf-session.h"
#include "ob-device-presence.h"
#include "ob-util.h"

typedef struct
{
  ObDevicePresence *presence; /* not owned: entries go with it */
  ObDevice *device;           /* owned */
  ObStreamSource *session;    /* owned, while connected */
  gint64 connected_at;
  gint64 last_seen;           /* while disconnected */
} Entry;

struct _ObDevicePresence
{
  GObject parent_instance;

  GListModel *model;
  GHashTable *entries;        /* ObDevice * -> Entry * */
};

G_DEFINE_FINAL_TYPE (ObDevicePresence, ob_device_presence, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MODEL,
  N_PROPS
};

enum {
  CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  g_signal_handlers_disconnect_matched (entry->device, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, entry);
  g_clear_object (&entry->session);
  g_clear_object (&entry->device);
  g_free (entry);
}

/* When a connection that ended was last heard from: a clean end (the
 * device said goodbye, or closed the connection) happened now; a timeout or
 * a failure only says that nothing came after the last keepalive. */
static gint64
session_end_time (ObStreamSource *session,
                  gint64          connected_at)
{
  ObApfSession *apf;
  gint64 now = g_get_real_time ();

  if (!OB_IS_APF_SESSION (session))
    return now;

  apf = OB_APF_SESSION (session);
  switch (ob_apf_session_get_close_reason (apf))
    {
    case OB_APF_CLOSE_REASON_IDLE_TIMEOUT:
    case OB_APF_CLOSE_REASON_IO_ERROR:
      return MAX (ob_apf_session_get_last_seen (apf), connected_at);

    case OB_APF_CLOSE_REASON_NONE:
    case OB_APF_CLOSE_REASON_LOCAL:
    case OB_APF_CLOSE_REASON_REPLACED:
    case OB_APF_CLOSE_REASON_REJECTED:
    case OB_APF_CLOSE_REASON_PEER_CLOSED:
    case OB_APF_CLOSE_REASON_PEER_DISCONNECT:
    case OB_APF_CLOSE_REASON_HANDSHAKE_TIMEOUT:
    case OB_APF_CLOSE_REASON_PROTOCOL_ERROR:
    case OB_APF_CLOSE_REASON_AUTH_FAILED:
    default:
      return now;
    }
}

static void
on_transport_source_changed (ObDevice   *device,
                             GParamSpec *pspec,
                             Entry      *entry)
{
  ObStreamSource *source = ob_device_get_transport_source (device);

  if (source == entry->session)
    return;

  if (entry->session != NULL)
    entry->last_seen = session_end_time (entry->session, entry->connected_at);

  g_set_object (&entry->session, source);
  if (source != NULL)
    entry->connected_at = g_get_real_time ();

  g_signal_emit (entry->presence, signals[CHANGED], 0, device);
}

static void
ob_device_presence_track (ObDevicePresence *self,
                          ObDevice         *device)
{
  g_autoptr(ObDeviceRecord) record = NULL;
  Entry *entry;

  if (g_hash_table_contains (self->entries, device) ||
      ob_device_get_transport (device) != OB_DEVICE_TRANSPORT_CIRA)
    return;

  record = ob_device_dup_record (device);

  entry = g_new0 (Entry, 1);
  entry->presence = self;
  entry->device = g_object_ref (device);
  entry->session = ob_device_get_transport_source (device);
  if (entry->session != NULL)
    g_object_ref (entry->session);

  entry->connected_at = ob_date_time_to_real_time (ob_device_record_get_last_connected (record));
  if (entry->session != NULL && entry->connected_at == 0)
    entry->connected_at = g_get_real_time ();

  entry->last_seen = ob_date_time_to_real_time (ob_device_record_get_last_seen (record));
  if (entry->last_seen == 0)
    entry->last_seen = ob_date_time_to_real_time (ob_device_record_get_last_disconnected (record));
  if (entry->last_seen == 0)
    entry->last_seen = entry->connected_at;

  g_hash_table_insert (self->entries, device, entry);
  g_signal_connect (device, "notify::transport-source", G_CALLBACK (on_transport_source_changed), entry);
}

static void
ob_device_presence_sync (ObDevicePresence *self)
{
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key;
  guint n_items = self->model != NULL ? g_list_model_get_n_items (self->model) : 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->model, i);

      if (!OB_IS_DEVICE (item))
        continue;

      g_hash_table_add (present, item);
      ob_device_presence_track (self, OB_DEVICE (item));
    }

  /* Devices that left the list. */
  g_hash_table_iter_init (&iter, self->entries);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      if (!g_hash_table_contains (present, key))
        g_hash_table_iter_remove (&iter);
    }
}

static void
on_items_changed (ObDevicePresence *self,
                  guint             position,
                  guint             removed,
                  guint             added,
                  GListModel       *model)
{
  ob_device_presence_sync (self);
}

static void
ob_device_presence_clear (ObDevicePresence *self)
{
  g_hash_table_remove_all (self->entries);
}

static void
ob_device_presence_dispose (GObject *object)
{
  ObDevicePresence *self = OB_DEVICE_PRESENCE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);
  g_clear_object (&self->model);
  ob_device_presence_clear (self);

  G_OBJECT_CLASS (ob_device_presence_parent_class)->dispose (object);
}

static void
ob_device_presence_finalize (GObject *object)
{
  ObDevicePresence *self = OB_DEVICE_PRESENCE (object);

  g_clear_pointer (&self->entries, g_hash_table_unref);

  G_OBJECT_CLASS (ob_device_presence_parent_class)->finalize (object);
}

static void
ob_device_presence_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObDevicePresence *self = OB_DEVICE_PRESENCE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_presence_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObDevicePresence *self = OB_DEVICE_PRESENCE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      ob_device_presence_set_model (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_presence_class_init (ObDevicePresenceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_device_presence_dispose;
  object_class->finalize = ob_device_presence_finalize;
  object_class->get_property = ob_device_presence_get_property;
  object_class->set_property = ob_device_presence_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, OB_TYPE_DEVICE);
}

static void
ob_device_presence_init (ObDevicePresence *self)
{
  self->entries = g_hash_table_new_full (NULL, NULL, NULL, entry_free);
}

ObDevicePresence *
ob_device_presence_new (void)
{
  return g_object_new (OB_TYPE_DEVICE_PRESENCE, NULL);
}

/**
 * ob_device_presence_get_model:
 * @self: an #ObDevicePresence
 *
 * Returns: (transfer none) (nullable): the devices watched
 */
GListModel *
ob_device_presence_get_model (ObDevicePresence *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_PRESENCE (self), NULL);

  return self->model;
}

void
ob_device_presence_set_model (ObDevicePresence *self,
                              GListModel       *model)
{
  g_return_if_fail (OB_IS_DEVICE_PRESENCE (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_items_changed, self);
  ob_device_presence_clear (self);

  g_set_object (&self->model, model);
  if (model != NULL)
    g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_items_changed), self);

  ob_device_presence_sync (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gboolean
ob_device_presence_is_connected (ObDevicePresence *self,
                                 ObDevice         *device)
{
  Entry *entry;

  g_return_val_if_fail (OB_IS_DEVICE_PRESENCE (self), FALSE);
  g_return_val_if_fail (OB_IS_DEVICE (device), FALSE);

  entry = g_hash_table_lookup (self->entries, device);
  return entry != NULL && entry->session != NULL;
}

gint64
ob_device_presence_get_last_seen (ObDevicePresence *self,
                                  ObDevice         *device)
{
  Entry *entry;

  g_return_val_if_fail (OB_IS_DEVICE_PRESENCE (self), 0);
  g_return_val_if_fail (OB_IS_DEVICE (device), 0);

  entry = g_hash_table_lookup (self->entries, device);
  if (entry == NULL)
    return 0;

  return entry->session != NULL ? g_get_real_time () : entry->last_seen;
}
