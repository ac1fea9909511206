/* ob-device-overview.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-device-overview.h"
#include "ob-device-row.h"
#include "ob-power-actions.h"

struct _ObDeviceOverview
{
  AdwBin parent_instance;

  ObDevice *device;

  AdwActionRow *power_row;
  GtkImage *power_icon;
  AdwActionRow *reach_row;
  GtkImage *reach_icon;
  AdwActionRow *refreshed_row;
  AdwActionRow *version_row;
  AdwActionRow *sku_row;
  AdwActionRow *mode_row;
  AdwActionRow *guid_row;
  AdwActionRow *address_row;
  AdwActionRow *port_row;
  AdwActionRow *user_row;
  AdwActionRow *redirection_row;
  AdwActionRow *consent_row;
};

G_DEFINE_FINAL_TYPE (ObDeviceOverview, ob_device_overview, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char *
or_unknown (const char *value)
{
  return value != NULL && *value != '\0' ? value : _("Unknown");
}

static char *
describe_redirection (ObDevice *device)
{
  g_autoptr(GPtrArray) on = g_ptr_array_new ();
  g_autofree char *list = NULL;

  if (ob_device_get_last_refreshed (device) == NULL)
    return g_strdup (_("Unknown"));

  if (ob_device_get_kvm_enabled (device))
    g_ptr_array_add (on, (gpointer) _("KVM"));
  if (ob_device_get_sol_enabled (device))
    g_ptr_array_add (on, (gpointer) _("Serial-over-LAN"));
  if (ob_device_get_ider_enabled (device))
    g_ptr_array_add (on, (gpointer) _("IDE redirection"));

  if (on->len == 0)
    return g_strdup (_("None enabled"));

  g_ptr_array_add (on, NULL);
  list = g_strjoinv (", ", (char **) on->pdata);
  /* Translators: a list of features, e.g. "KVM, Serial-over-LAN enabled" */
  return g_strdup_printf (_("%s enabled"), list);
}

static const char *
describe_consent (const char *consent)
{
  if (g_strcmp0 (consent, OB_DEVICE_USER_CONSENT_NONE) == 0)
    return _("Not required");
  if (g_strcmp0 (consent, OB_DEVICE_USER_CONSENT_KVM) == 0)
    return _("Required for KVM");
  if (g_strcmp0 (consent, OB_DEVICE_USER_CONSENT_ALL) == 0)
    return _("Required for every redirection");

  return _("Unknown");
}

static void
ob_device_overview_update (ObDeviceOverview *self)
{
  ObDevice *device = self->device;
  ObDeviceReachability reachability = ob_device_get_reachability (device);
  const char *last_error = ob_device_get_last_error (device);
  const char *mode = ob_device_control_mode_to_label (ob_device_get_control_mode (device));
  const char *version = ob_device_get_amt_version (device);
  const char *build = ob_device_get_amt_build (device);
  GDateTime *refreshed = ob_device_get_last_refreshed (device);
  g_autofree char *reach_text = NULL;
  g_autofree char *version_text = NULL;
  g_autofree char *refreshed_text = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *redirection = NULL;
  guint power_state = reachability == OB_DEVICE_REACHABILITY_REACHABLE ? ob_device_get_power_state (device) : 0;

  gtk_image_set_from_icon_name (self->power_icon, ob_power_state_to_icon_name (power_state));
  adw_action_row_set_subtitle (self->power_row, ob_power_state_to_label (power_state));

  if (last_error != NULL && reachability != OB_DEVICE_REACHABILITY_REACHABLE)
    reach_text = g_strdup_printf ("%s — %s", ob_device_reachability_to_label (reachability), last_error);
  else
    reach_text = g_strdup (ob_device_reachability_to_label (reachability));
  adw_action_row_set_subtitle (self->reach_row, reach_text);
  gtk_image_set_from_icon_name (self->reach_icon,
                                reachability == OB_DEVICE_REACHABILITY_REACHABLE ? "network-wired-symbolic" :
                                reachability == OB_DEVICE_REACHABILITY_UNKNOWN ? "content-loading-symbolic" :
                                "dialog-warning-symbolic");
  if (reachability == OB_DEVICE_REACHABILITY_REACHABLE || reachability == OB_DEVICE_REACHABILITY_UNKNOWN)
    gtk_widget_remove_css_class (GTK_WIDGET (self->reach_icon), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (self->reach_icon), "error");

  if (refreshed != NULL)
    {
      g_autoptr(GDateTime) local = g_date_time_to_local (refreshed);

      /* Translators: the time of the last successful refresh, see g_date_time_format() */
      refreshed_text = g_date_time_format (local, _("%Y-%m-%d %H:%M:%S"));
    }
  adw_action_row_set_subtitle (self->refreshed_row, refreshed_text != NULL ? refreshed_text : _("Not yet"));

  if (version != NULL && *version != '\0' && build != NULL && *build != '\0')
    /* Translators: an AMT version and its build number, "16.1.25 (build 2049)" */
    version_text = g_strdup_printf (_("%s (build %s)"), version, build);
  else
    version_text = g_strdup (or_unknown (version));
  adw_action_row_set_subtitle (self->version_row, version_text);
  adw_action_row_set_subtitle (self->sku_row, or_unknown (ob_device_get_sku (device)));
  adw_action_row_set_subtitle (self->mode_row, or_unknown (mode));
  adw_action_row_set_subtitle (self->guid_row, or_unknown (ob_device_get_guid (device)));

  adw_action_row_set_subtitle (self->address_row, or_unknown (ob_device_get_host (device)));
  if (ob_device_get_transport (device) == OB_DEVICE_TRANSPORT_CIRA)
    /* A CIRA device calls in; the port it listens on does not matter. */
    port_text = g_strdup (_("Through the device’s CIRA connection to this computer, encrypted with TLS"));
  else if (ob_device_get_use_tls (device))
    /* Translators: a port number of a TLS connection */
    port_text = g_strdup_printf (_("%u, encrypted with TLS"), ob_device_get_port (device));
  else
    /* Translators: a port number of a plain TCP connection */
    port_text = g_strdup_printf (_("%u, not encrypted"), ob_device_get_port (device));
  adw_action_row_set_subtitle (self->port_row, port_text);
  adw_action_row_set_subtitle (self->user_row, or_unknown (ob_device_get_username (device)));

  redirection = describe_redirection (device);
  adw_action_row_set_subtitle (self->redirection_row, redirection);
  adw_action_row_set_subtitle (self->consent_row, describe_consent (ob_device_get_user_consent (device)));
}

static void
ob_device_overview_constructed (GObject *object)
{
  ObDeviceOverview *self = OB_DEVICE_OVERVIEW (object);

  G_OBJECT_CLASS (ob_device_overview_parent_class)->constructed (object);

  g_assert (OB_IS_DEVICE (self->device));

  g_signal_connect_object (self->device, "notify", G_CALLBACK (ob_device_overview_update),
                           self, G_CONNECT_SWAPPED);
  ob_device_overview_update (self);
}

static void
ob_device_overview_dispose (GObject *object)
{
  ObDeviceOverview *self = OB_DEVICE_OVERVIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_OVERVIEW);
  if (self->device != NULL)
    g_signal_handlers_disconnect_by_data (self->device, self);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_device_overview_parent_class)->dispose (object);
}

static void
ob_device_overview_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObDeviceOverview *self = OB_DEVICE_OVERVIEW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      g_value_set_object (value, self->device);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_overview_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObDeviceOverview *self = OB_DEVICE_OVERVIEW (object);

  switch (prop_id)
    {
    case PROP_DEVICE:
      self->device = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_device_overview_class_init (ObDeviceOverviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_device_overview_constructed;
  object_class->dispose = ob_device_overview_dispose;
  object_class->get_property = ob_device_overview_get_property;
  object_class->set_property = ob_device_overview_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-overview.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, power_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, power_icon);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, reach_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, reach_icon);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, refreshed_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, version_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, sku_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, mode_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, guid_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, address_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, port_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, user_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, redirection_row);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceOverview, consent_row);
}

static void
ob_device_overview_init (ObDeviceOverview *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ob_device_overview_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_OVERVIEW, "device", device, NULL);
}

/**
 * ob_device_overview_get_device:
 * @self: an #ObDeviceOverview
 *
 * Returns: (transfer none): the device shown
 */
ObDevice *
ob_device_overview_get_device (ObDeviceOverview *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_OVERVIEW (self), NULL);

  return self->device;
}

const char *
ob_device_overview_get_value (ObDeviceOverview *self,
                              const char       *row)
{
  static const struct {
    const char *name;
    gsize offset;
  } rows[] = {
    { "power", G_STRUCT_OFFSET (ObDeviceOverview, power_row) },
    { "connection", G_STRUCT_OFFSET (ObDeviceOverview, reach_row) },
    { "version", G_STRUCT_OFFSET (ObDeviceOverview, version_row) },
    { "sku", G_STRUCT_OFFSET (ObDeviceOverview, sku_row) },
    { "control-mode", G_STRUCT_OFFSET (ObDeviceOverview, mode_row) },
    { "address", G_STRUCT_OFFSET (ObDeviceOverview, address_row) },
    { "port", G_STRUCT_OFFSET (ObDeviceOverview, port_row) },
    { "user", G_STRUCT_OFFSET (ObDeviceOverview, user_row) },
    { "redirection", G_STRUCT_OFFSET (ObDeviceOverview, redirection_row) },
    { "consent", G_STRUCT_OFFSET (ObDeviceOverview, consent_row) },
  };

  g_return_val_if_fail (OB_IS_DEVICE_OVERVIEW (self), NULL);
  g_return_val_if_fail (row != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      if (g_str_equal (rows[i].name, row))
        return adw_action_row_get_subtitle (G_STRUCT_MEMBER (AdwActionRow *, self, rows[i].offset));
    }

  return NULL;
}
