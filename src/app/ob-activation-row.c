/* ob-activation-row.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-activation-row.h"

struct _ObActivationRow
{
  AdwExpanderRow parent_instance;

  ObRpsSession *session;
  GtkImage *state_icon;
  guint n_steps;
  char *profile;
  char *hostname;
};

G_DEFINE_FINAL_TYPE (ObActivationRow, ob_activation_row, ADW_TYPE_EXPANDER_ROW)

#define STEP_KEY "ob-step"

static const char *
step_icon (ObRpsStepState state)
{
  switch (state)
    {
    case OB_RPS_STEP_RUNNING: return "content-loading-symbolic";
    case OB_RPS_STEP_DONE: return "emblem-ok-symbolic";
    case OB_RPS_STEP_FAILED: return "dialog-error-symbolic";
    case OB_RPS_STEP_IGNORED: return "dialog-warning-symbolic";
    default: return "content-loading-symbolic";
    }
}

static const char *
step_state_text (ObRpsStepState state)
{
  switch (state)
    {
    case OB_RPS_STEP_RUNNING: return _("Running");
    case OB_RPS_STEP_DONE: return _("Done");
    case OB_RPS_STEP_FAILED: return _("Failed");
    case OB_RPS_STEP_IGNORED: return _("Failed, ignored");
    default: return "";
    }
}

static void
update_step_row (AdwActionRow *row)
{
  ObRpsStep *step = g_object_get_data (G_OBJECT (row), STEP_KEY);
  ObRpsStepState state = ob_rps_step_get_state (step);
  g_autoptr(GDateTime) started = g_date_time_new_from_unix_local (ob_rps_step_get_started (step) / G_USEC_PER_SEC);
  g_autofree char *time = started != NULL ? g_date_time_format (started, "%X") : g_strdup ("");
  const char *detail = ob_rps_step_get_detail (step);
  g_autoptr(GString) subtitle = g_string_new (time);
  GtkWidget *icon = g_object_get_data (G_OBJECT (row), "ob-icon");

  g_string_append_printf (subtitle, " · %s", step_state_text (state));
  if (state != OB_RPS_STEP_RUNNING)
    /* Translators: a duration in milliseconds */
    g_string_append_printf (subtitle, _(" · %u ms"), ob_rps_step_get_duration_ms (step));
  if (detail != NULL && detail[0] != '\0')
    g_string_append_printf (subtitle, " · %s", detail);

  adw_action_row_set_subtitle (row, subtitle->str);
  gtk_image_set_from_icon_name (GTK_IMAGE (icon), step_icon (state));
  gtk_widget_remove_css_class (icon, "error");
  gtk_widget_remove_css_class (icon, "success");
  gtk_widget_remove_css_class (icon, "warning");
  if (state == OB_RPS_STEP_FAILED)
    gtk_widget_add_css_class (icon, "error");
  else if (state == OB_RPS_STEP_DONE)
    gtk_widget_add_css_class (icon, "success");
  else if (state == OB_RPS_STEP_IGNORED)
    gtk_widget_add_css_class (icon, "warning");
}

static void
add_step (ObActivationRow *self,
          ObRpsStep       *step)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon = gtk_image_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), ob_rps_step_get_name (step));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  gtk_widget_add_css_class (row, "ob-step-row");
  g_object_set_data_full (G_OBJECT (row), STEP_KEY, g_object_ref (step), g_object_unref);
  g_object_set_data (G_OBJECT (row), "ob-icon", icon);
  g_signal_connect_object (step, "notify", G_CALLBACK (update_step_row), row, G_CONNECT_SWAPPED);
  update_step_row (ADW_ACTION_ROW (row));

  adw_expander_row_add_row (ADW_EXPANDER_ROW (self), row);
  self->n_steps++;
}

static void
update_summary (ObActivationRow *self)
{
  ObRpsSessionState state = ob_rps_session_get_state (self->session);
  const char *uuid = ob_rps_session_get_uuid (self->session);
  const GError *error = ob_rps_session_get_error (self->session);
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  const char *state_text;
  const char *icon;

  if (self->hostname != NULL && self->hostname[0] != '\0' && uuid != NULL)
    title = g_strdup_printf ("%s (%s)", self->hostname, uuid);
  else if (uuid != NULL)
    title = g_strdup (uuid);
  else
    title = g_strdup_printf (_("Device at %s"), ob_rps_session_get_peer_host (self->session));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);

  switch (state)
    {
    case OB_RPS_SESSION_WAITING:
      state_text = _("Connected, waiting for rpc-go");
      icon = "content-loading-symbolic";
      break;
    case OB_RPS_SESSION_RUNNING:
      state_text = _("Provisioning…");
      icon = "content-loading-symbolic";
      break;
    case OB_RPS_SESSION_SUCCEEDED:
      state_text = _("Done");
      icon = "emblem-ok-symbolic";
      break;
    case OB_RPS_SESSION_FAILED:
    default:
      state_text = _("Failed");
      icon = "dialog-error-symbolic";
      break;
    }

  if (state == OB_RPS_SESSION_FAILED && error != NULL)
    subtitle = g_strdup_printf ("%s · %s", self->profile != NULL ? self->profile : "—", error->message);
  else if (self->profile != NULL)
    /* Translators: "Profile <name> · <state>" */
    subtitle = g_strdup_printf (_("Profile %s · %s"), self->profile, state_text);
  else
    subtitle = g_strdup (state_text);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (self), subtitle);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->state_icon),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, state_text,
                                  -1);
  gtk_image_set_from_icon_name (self->state_icon, icon);
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->state_icon), "success");
  if (state == OB_RPS_SESSION_FAILED)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "error");
  else if (state == OB_RPS_SESSION_SUCCEEDED)
    gtk_widget_add_css_class (GTK_WIDGET (self->state_icon), "success");
}

static void
on_steps_changed (ObActivationRow *self,
                  guint            position,
                  guint            removed,
                  guint            added,
                  GListModel      *steps)
{
  /* Steps are only ever appended. */
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(ObRpsStep) step = g_list_model_get_item (steps, i);

      add_step (self, step);
    }
}

static void
watch_flow (ObActivationRow *self,
            ObRpsFlow       *flow)
{
  GListModel *steps = ob_rps_flow_get_steps (flow);
  const ObRpcClientInfo *info = ob_rps_flow_get_info (flow);

  if (info != NULL)
    {
      if (self->profile == NULL && info->profile != NULL && info->profile[0] != '\0')
        self->profile = g_strdup (info->profile);
      if (self->hostname == NULL && info->hostname != NULL)
        self->hostname = g_strdup (info->hostname);
    }

  on_steps_changed (self, 0, 0, g_list_model_get_n_items (steps), steps);
  g_signal_connect_object (steps, "items-changed", G_CALLBACK (on_steps_changed), self, G_CONNECT_SWAPPED);
  update_summary (self);
}

static void
on_flow_started (ObActivationRow *self,
                 ObRpsFlow       *flow)
{
  watch_flow (self, flow);
}

static void
ob_activation_row_dispose (GObject *object)
{
  ObActivationRow *self = OB_ACTIVATION_ROW (object);

  g_clear_object (&self->session);

  G_OBJECT_CLASS (ob_activation_row_parent_class)->dispose (object);
}

static void
ob_activation_row_finalize (GObject *object)
{
  ObActivationRow *self = OB_ACTIVATION_ROW (object);

  g_free (self->profile);
  g_free (self->hostname);

  G_OBJECT_CLASS (ob_activation_row_parent_class)->finalize (object);
}

static void
ob_activation_row_class_init (ObActivationRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_activation_row_dispose;
  object_class->finalize = ob_activation_row_finalize;
}

static void
ob_activation_row_init (ObActivationRow *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  self->state_icon = GTK_IMAGE (gtk_image_new ());
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  /* The subtitle says the state in words; the icon is for a glance (and
   * for screen readers, its label). */
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->state_icon));
  adw_expander_row_add_action (ADW_EXPANDER_ROW (self), box);
  gtk_widget_add_css_class (GTK_WIDGET (self), "ob-activation-row");
  /* Host names and error texts come from the network. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (self), FALSE);
}

GtkWidget *
ob_activation_row_new (ObRpsSession *session)
{
  ObActivationRow *self;
  GListModel *flows;

  g_return_val_if_fail (OB_IS_RPS_SESSION (session), NULL);

  self = g_object_new (OB_TYPE_ACTIVATION_ROW, NULL);
  self->session = g_object_ref (session);

  flows = ob_rps_session_get_flows (session);
  for (guint i = 0; i < g_list_model_get_n_items (flows); i++)
    {
      g_autoptr(ObRpsFlow) flow = g_list_model_get_item (flows, i);

      watch_flow (self, flow);
    }
  g_signal_connect_object (session, "flow-started", G_CALLBACK (on_flow_started), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "notify::state", G_CALLBACK (update_summary), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (session, "finished", G_CALLBACK (update_summary), self, G_CONNECT_SWAPPED);
  update_summary (self);

  return GTK_WIDGET (self);
}

ObRpsSession *
ob_activation_row_get_session (ObActivationRow *self)
{
  g_return_val_if_fail (OB_IS_ACTIVATION_ROW (self), NULL);

  return self->session;
}

guint
ob_activation_row_get_n_steps (ObActivationRow *self)
{
  g_return_val_if_fail (OB_IS_ACTIVATION_ROW (self), 0);

  return self->n_steps;
}
