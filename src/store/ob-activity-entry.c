/* ob-activity-entry.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-activity-entry.h"

static const GEnumValue result_values[] = {
  { OB_ACTIVITY_RESULT_SUCCESS, "OB_ACTIVITY_RESULT_SUCCESS", "success" },
  { OB_ACTIVITY_RESULT_FAILURE, "OB_ACTIVITY_RESULT_FAILURE", "failure" },
  { 0, NULL, NULL },
};

GType
ob_activity_result_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType t = g_enum_register_static (g_intern_static_string ("ObActivityResult"),
                                        result_values);
      g_once_init_leave (&type_id, t);
    }

  return type_id;
}

/* The text form is what the database stores. */
const char *
ob_activity_result_to_string (ObActivityResult result)
{
  switch (result)
    {
    case OB_ACTIVITY_RESULT_SUCCESS:
      return "success";
    case OB_ACTIVITY_RESULT_FAILURE:
      return "failure";
    default:
      return NULL;
    }
}

gboolean
ob_activity_result_from_string (const char       *text,
                                ObActivityResult *result)
{
  for (guint i = 0; result_values[i].value_nick != NULL; i++)
    {
      if (g_strcmp0 (text, result_values[i].value_nick) == 0)
        {
          if (result != NULL)
            *result = result_values[i].value;
          return TRUE;
        }
    }

  return FALSE;
}

struct _ObActivityEntry
{
  GObject parent_instance;

  gint64            id;
  gint64            timestamp;
  char             *actor;
  char             *action;
  char             *device_guid;
  char             *target;
  ObActivityResult  result;
  char             *detail;
};

G_DEFINE_FINAL_TYPE (ObActivityEntry, ob_activity_entry, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_ID,
  PROP_TIMESTAMP,
  PROP_ACTOR,
  PROP_ACTION,
  PROP_DEVICE_GUID,
  PROP_TARGET,
  PROP_RESULT,
  PROP_DETAIL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_activity_entry_finalize (GObject *object)
{
  ObActivityEntry *self = (ObActivityEntry *) object;

  g_clear_pointer (&self->actor, g_free);
  g_clear_pointer (&self->action, g_free);
  g_clear_pointer (&self->device_guid, g_free);
  g_clear_pointer (&self->target, g_free);
  g_clear_pointer (&self->detail, g_free);

  G_OBJECT_CLASS (ob_activity_entry_parent_class)->finalize (object);
}

static void
ob_activity_entry_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ObActivityEntry *self = OB_ACTIVITY_ENTRY (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;

    case PROP_TIMESTAMP:
      g_value_set_int64 (value, self->timestamp);
      break;

    case PROP_ACTOR:
      g_value_set_string (value, self->actor);
      break;

    case PROP_ACTION:
      g_value_set_string (value, self->action);
      break;

    case PROP_DEVICE_GUID:
      g_value_set_string (value, self->device_guid);
      break;

    case PROP_TARGET:
      g_value_set_string (value, self->target);
      break;

    case PROP_RESULT:
      g_value_set_enum (value, self->result);
      break;

    case PROP_DETAIL:
      g_value_set_string (value, self->detail);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_activity_entry_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ObActivityEntry *self = OB_ACTIVITY_ENTRY (object);

  switch (prop_id)
    {
    case PROP_ID:
      ob_activity_entry_set_id (self, g_value_get_int64 (value));
      break;

    case PROP_TIMESTAMP:
      ob_activity_entry_set_timestamp (self, g_value_get_int64 (value));
      break;

    case PROP_ACTOR:
      ob_activity_entry_set_actor (self, g_value_get_string (value));
      break;

    case PROP_ACTION:
      ob_activity_entry_set_action (self, g_value_get_string (value));
      break;

    case PROP_DEVICE_GUID:
      ob_activity_entry_set_device_guid (self, g_value_get_string (value));
      break;

    case PROP_TARGET:
      ob_activity_entry_set_target (self, g_value_get_string (value));
      break;

    case PROP_RESULT:
      ob_activity_entry_set_result (self, g_value_get_enum (value));
      break;

    case PROP_DETAIL:
      ob_activity_entry_set_detail (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_activity_entry_class_init (ObActivityEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_activity_entry_finalize;
  object_class->get_property = ob_activity_entry_get_property;
  object_class->set_property = ob_activity_entry_set_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TIMESTAMP] =
    g_param_spec_int64 ("timestamp", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ACTOR] =
    g_param_spec_string ("actor", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_ACTION] =
    g_param_spec_string ("action", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DEVICE_GUID] =
    g_param_spec_string ("device-guid", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TARGET] =
    g_param_spec_string ("target", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_RESULT] =
    g_param_spec_enum ("result", NULL, NULL,
                       OB_TYPE_ACTIVITY_RESULT,
                       OB_ACTIVITY_RESULT_SUCCESS,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DETAIL] =
    g_param_spec_string ("detail", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_activity_entry_init (ObActivityEntry *self)
{
  self->result = OB_ACTIVITY_RESULT_SUCCESS;
}

ObActivityEntry *
ob_activity_entry_new (const char *actor,
                       const char *action)
{
  return g_object_new (OB_TYPE_ACTIVITY_ENTRY,
                       "actor", actor,
                       "action", action,
                       NULL);
}

gint64
ob_activity_entry_get_id (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), 0);

  return self->id;
}

void
ob_activity_entry_set_id (ObActivityEntry *self,
                          gint64           id)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  g_return_if_fail (id >= 0);
  if (self->id == id)
    return;

  self->id = id;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
}

gint64
ob_activity_entry_get_timestamp (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), 0);

  return self->timestamp;
}

void
ob_activity_entry_set_timestamp (ObActivityEntry *self,
                                 gint64           timestamp)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  g_return_if_fail (timestamp >= 0);
  if (self->timestamp == timestamp)
    return;

  self->timestamp = timestamp;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TIMESTAMP]);
}

const char *
ob_activity_entry_get_actor (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), NULL);

  return self->actor;
}

void
ob_activity_entry_set_actor (ObActivityEntry *self,
                             const char      *actor)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (g_strcmp0 (self->actor, actor) == 0)
    return;

  g_free (self->actor);
  self->actor = g_strdup (actor);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTOR]);
}

const char *
ob_activity_entry_get_action (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), NULL);

  return self->action;
}

void
ob_activity_entry_set_action (ObActivityEntry *self,
                              const char      *action)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (g_strcmp0 (self->action, action) == 0)
    return;

  g_free (self->action);
  self->action = g_strdup (action);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTION]);
}

const char *
ob_activity_entry_get_device_guid (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), NULL);

  return self->device_guid;
}

void
ob_activity_entry_set_device_guid (ObActivityEntry *self,
                                   const char      *device_guid)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (g_strcmp0 (self->device_guid, device_guid) == 0)
    return;

  g_free (self->device_guid);
  self->device_guid = g_strdup (device_guid);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_GUID]);
}

const char *
ob_activity_entry_get_target (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), NULL);

  return self->target;
}

void
ob_activity_entry_set_target (ObActivityEntry *self,
                              const char      *target)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (g_strcmp0 (self->target, target) == 0)
    return;

  g_free (self->target);
  self->target = g_strdup (target);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TARGET]);
}

ObActivityResult
ob_activity_entry_get_result (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), OB_ACTIVITY_RESULT_SUCCESS);

  return self->result;
}

void
ob_activity_entry_set_result (ObActivityEntry *self,
                              ObActivityResult result)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (self->result == result)
    return;

  self->result = result;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
}

const char *
ob_activity_entry_get_detail (ObActivityEntry *self)
{
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (self), NULL);

  return self->detail;
}

void
ob_activity_entry_set_detail (ObActivityEntry *self,
                              const char      *detail)
{
  g_return_if_fail (OB_IS_ACTIVITY_ENTRY (self));

  if (g_strcmp0 (self->detail, detail) == 0)
    return;

  g_free (self->detail);
  self->detail = g_strdup (detail);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAIL]);
}

