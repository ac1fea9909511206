/* ob-rps-step.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rps-step.h"

struct _ObRpsStep
{
  GObject         parent_instance;

  char           *name;
  ObRpsStepState  state;
  char           *detail;
  gint64          started;
  gint64          started_mono;
  guint           duration_ms;
};

G_DEFINE_FINAL_TYPE (ObRpsStep, ob_rps_step, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ObRpsStepState, ob_rps_step_state,
  G_DEFINE_ENUM_VALUE (OB_RPS_STEP_RUNNING, "running"),
  G_DEFINE_ENUM_VALUE (OB_RPS_STEP_DONE, "done"),
  G_DEFINE_ENUM_VALUE (OB_RPS_STEP_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (OB_RPS_STEP_IGNORED, "ignored"))

enum
{
  PROP_0,
  PROP_NAME,
  PROP_STATE,
  PROP_DETAIL,
  PROP_STARTED,
  PROP_DURATION_MS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
ob_rps_step_state_to_string (ObRpsStepState state)
{
  GEnumClass *klass = g_type_class_ref (OB_TYPE_RPS_STEP_STATE);
  GEnumValue *value = g_enum_get_value (klass, state);

  g_type_class_unref (klass);
  return value != NULL ? value->value_nick : "unknown";
}

static void
ob_rps_step_finalize (GObject *object)
{
  ObRpsStep *self = OB_RPS_STEP (object);

  g_free (self->name);
  g_free (self->detail);

  G_OBJECT_CLASS (ob_rps_step_parent_class)->finalize (object);
}

static void
ob_rps_step_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  ObRpsStep *self = OB_RPS_STEP (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_DETAIL:
      g_value_set_string (value, self->detail);
      break;
    case PROP_STARTED:
      g_value_set_int64 (value, self->started);
      break;
    case PROP_DURATION_MS:
      g_value_set_uint (value, self->duration_ms);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rps_step_class_init (ObRpsStepClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_rps_step_finalize;
  object_class->get_property = ob_rps_step_get_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, OB_TYPE_RPS_STEP_STATE, OB_RPS_STEP_RUNNING,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DETAIL] =
    g_param_spec_string ("detail", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_STARTED] =
    g_param_spec_int64 ("started", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DURATION_MS] =
    g_param_spec_uint ("duration-ms", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_rps_step_init (ObRpsStep *self)
{
}

ObRpsStep *
ob_rps_step_new (const char *name)
{
  ObRpsStep *self;

  g_return_val_if_fail (name != NULL, NULL);

  self = g_object_new (OB_TYPE_RPS_STEP, NULL);
  self->name = g_strdup (name);
  self->state = OB_RPS_STEP_RUNNING;
  self->started = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  return self;
}

const char *
ob_rps_step_get_name (ObRpsStep *self)
{
  g_return_val_if_fail (OB_IS_RPS_STEP (self), NULL);
  return self->name;
}

ObRpsStepState
ob_rps_step_get_state (ObRpsStep *self)
{
  g_return_val_if_fail (OB_IS_RPS_STEP (self), OB_RPS_STEP_FAILED);
  return self->state;
}

const char *
ob_rps_step_get_detail (ObRpsStep *self)
{
  g_return_val_if_fail (OB_IS_RPS_STEP (self), NULL);
  return self->detail;
}

gint64
ob_rps_step_get_started (ObRpsStep *self)
{
  g_return_val_if_fail (OB_IS_RPS_STEP (self), 0);
  return self->started;
}

guint
ob_rps_step_get_duration_ms (ObRpsStep *self)
{
  g_return_val_if_fail (OB_IS_RPS_STEP (self), 0);
  if (self->state == OB_RPS_STEP_RUNNING)
    return (guint) ((g_get_monotonic_time () - self->started_mono) / 1000);
  return self->duration_ms;
}

void
ob_rps_step_finish (ObRpsStep      *self,
                    ObRpsStepState  state,
                    const char     *detail)
{
  g_return_if_fail (OB_IS_RPS_STEP (self));
  g_return_if_fail (state != OB_RPS_STEP_RUNNING);

  if (self->state != OB_RPS_STEP_RUNNING)
    return;
  self->state = state;
  self->duration_ms = (guint) MIN ((g_get_monotonic_time () - self->started_mono) / 1000, G_MAXUINT);
  g_free (self->detail);
  self->detail = g_strdup (detail);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAIL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DURATION_MS]);
}
