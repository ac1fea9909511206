/* ob-preferences-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-log.h"
#include "ob-preferences-window.h"
#include "ob-util.h"

struct _ObPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  GSettings *settings;
  char *primary_address;

  GtkSpinButton *cira_port_spin;
  GtkSpinButton *rps_port_spin;
  AdwEntryRow *common_name_row;
  GtkLabel *common_name_hint;
  GtkSpinButton *keepalive_spin;
  GtkSwitch *legacy_tls_switch;
  GtkSwitch *api_enabled_switch;
  AdwComboRow *api_address_row;
  GtkSpinButton *api_port_spin;
  AdwComboRow *log_level_row;
};

G_DEFINE_FINAL_TYPE (ObPreferencesWindow, ob_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

enum {
  PROP_0,
  PROP_SETTINGS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* The REST API has no TLS and hands out tokens, so the window only offers
 * the loopback addresses; the order matches the combo row's items. */
static const char * const api_addresses[] = {
  "127.0.0.1",
  "::1",
};

static gboolean
is_valid_host_label (const char *label,
                     gsize       len)
{
  if (len == 0 || len > 63)
    return FALSE;
  if (label[0] == '-' || label[len - 1] == '-')
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isalnum (label[i]) && label[i] != '-')
        return FALSE;
    }

  return TRUE;
}

/**
 * ob_is_valid_common_name:
 * @text: what the user typed
 *
 * Whether @text can be the MPS common name: empty (meaning this host's
 * primary address), an IPv4 or IPv6 literal, or a host name made of
 * letters, digits and hyphens (RFC 1123).
 *
 * Returns: %TRUE if @text is acceptable
 */
gboolean
ob_is_valid_common_name (const char *text)
{
  const char *label;
  const char *last_label;
  gsize len;

  g_return_val_if_fail (text != NULL, FALSE);

  if (text[0] == '\0')
    return TRUE;
  if (g_hostname_is_ip_address (text))
    return TRUE;

  len = strlen (text);
  if (len > 253)
    return FALSE;

  label = text;
  last_label = text;
  for (;;)
    {
      const char *dot = strchr (label, '.');
      gsize label_len = dot != NULL ? (gsize) (dot - label) : strlen (label);

      if (!is_valid_host_label (label, label_len))
        return FALSE;

      last_label = label;
      if (dot == NULL)
        break;
      label = dot + 1;
    }

  /* An all-numeric last label would make "10.0.0" or "300.1.1.1" pass as a
   * name although they are meant as (broken) addresses. */
  for (const char *p = last_label; *p != '\0'; p++)
    {
      if (!g_ascii_isdigit (*p))
        return TRUE;
    }

  return FALSE;
}

static gboolean
map_get_api_address (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  const char *address = g_variant_get_string (variant, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (api_addresses); i++)
    {
      if (g_strcmp0 (address, api_addresses[i]) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }

  /* Not one the window offers: GSettings falls back to the default. */
  return FALSE;
}

static GVariant *
map_set_api_address (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  guint position = g_value_get_uint (value);

  if (position >= G_N_ELEMENTS (api_addresses))
    return NULL;

  return g_variant_new_string (api_addresses[position]);
}

/* The log-level key is an enum whose values are in the same order as the
 * combo row's items. */
static gboolean
map_get_log_level (GValue   *value,
                   GVariant *variant,
                   gpointer  user_data)
{
  ObLogLevel level;

  if (!ob_log_level_from_string (g_variant_get_string (variant, NULL), &level))
    return FALSE;

  g_value_set_uint (value, (guint) level);
  return TRUE;
}

static GVariant *
map_set_log_level (const GValue       *value,
                   const GVariantType *expected_type,
                   gpointer            user_data)
{
  g_autoptr(GEnumClass) enum_class = g_type_class_ref (OB_TYPE_LOG_LEVEL);
  GEnumValue *enum_value = g_enum_get_value (enum_class, (int) g_value_get_uint (value));

  if (enum_value == NULL)
    return NULL;

  return g_variant_new_string (enum_value->value_nick);
}

static gboolean
map_get_common_name (GValue   *value,
                     GVariant *variant,
                     gpointer  user_data)
{
  g_value_set_string (value, g_variant_get_string (variant, NULL));
  return TRUE;
}

/* Returning NULL tells GSettings not to write: an invalid name stays in the
 * entry, marked as an error, and the last valid one stays in the settings. */
static GVariant *
map_set_common_name (const GValue       *value,
                     const GVariantType *expected_type,
                     gpointer            user_data)
{
  const char *text = g_value_get_string (value);

  if (text == NULL || !ob_is_valid_common_name (text))
    return NULL;

  return g_variant_new_string (text);
}

static void
ob_preferences_window_update_common_name (ObPreferencesWindow *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->common_name_row));

  if (ob_is_valid_common_name (text))
    {
      g_autofree char *hint = NULL;

      /* Translators: %s is an IP address such as 192.168.1.20 */
      hint = g_strdup_printf (_("Host name or IP address that devices use to reach this "
                                "computer; it is also the name in the MPS certificate. "
                                "Leave empty to use this computer’s address, %s."),
                              self->primary_address);
      gtk_label_set_label (self->common_name_hint, hint);
      gtk_widget_remove_css_class (GTK_WIDGET (self->common_name_row), "error");
      gtk_widget_remove_css_class (GTK_WIDGET (self->common_name_hint), "error");
      gtk_accessible_reset_state (GTK_ACCESSIBLE (self->common_name_row),
                                  GTK_ACCESSIBLE_STATE_INVALID);
    }
  else
    {
      gtk_label_set_label (self->common_name_hint,
                           _("Not a valid host name or IP address, so it is not saved. "
                             "Use letters, digits, hyphens and dots, such as "
                             "mps.example.com, or an address such as 192.168.1.20."));
      gtk_widget_add_css_class (GTK_WIDGET (self->common_name_row), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->common_name_hint), "error");
      gtk_accessible_update_state (GTK_ACCESSIBLE (self->common_name_row),
                                   GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE,
                                   -1);
    }
}

static void
on_common_name_changed (ObPreferencesWindow *self,
                        GParamSpec          *pspec,
                        AdwEntryRow         *row)
{
  ob_preferences_window_update_common_name (self);
}

static void
ob_preferences_window_bind (ObPreferencesWindow *self)
{
  g_settings_bind (self->settings, "cira-port",
                   self->cira_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "rps-port",
                   self->rps_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind_with_mapping (self->settings, "mps-common-name",
                                self->common_name_row, "text",
                                G_SETTINGS_BIND_DEFAULT,
                                map_get_common_name,
                                map_set_common_name,
                                NULL, NULL);
  g_settings_bind (self->settings, "keepalive-interval",
                   self->keepalive_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "allow-legacy-tls",
                   self->legacy_tls_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind (self->settings, "api-enabled",
                   self->api_enabled_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  /* The row's sensitivity follows the API switch (see the template), so
   * GSettings must not also drive it from the key's writability. */
  g_settings_bind_with_mapping (self->settings, "api-address",
                                self->api_address_row, "selected",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY,
                                map_get_api_address,
                                map_set_api_address,
                                NULL, NULL);
  g_settings_bind (self->settings, "api-port",
                   self->api_port_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);

  g_settings_bind_with_mapping (self->settings, "log-level",
                                self->log_level_row, "selected",
                                G_SETTINGS_BIND_DEFAULT,
                                map_get_log_level,
                                map_set_log_level,
                                NULL, NULL);
}

static void
ob_preferences_window_constructed (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->constructed (object);

  g_assert (G_IS_SETTINGS (self->settings));

  ob_preferences_window_bind (self);
  ob_preferences_window_update_common_name (self);
}

static void
ob_preferences_window_dispose (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PREFERENCES_WINDOW);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->dispose (object);
}

static void
ob_preferences_window_finalize (GObject *object)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  g_clear_pointer (&self->primary_address, g_free);

  G_OBJECT_CLASS (ob_preferences_window_parent_class)->finalize (object);
}

static void
ob_preferences_window_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      g_value_set_object (value, self->settings);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_preferences_window_set_property (GObject      *object,
                                    guint         prop_id,
                                    const GValue *value,
                                    GParamSpec   *pspec)
{
  ObPreferencesWindow *self = OB_PREFERENCES_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SETTINGS:
      self->settings = g_value_dup_object (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_preferences_window_class_init (ObPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_preferences_window_constructed;
  object_class->dispose = ob_preferences_window_dispose;
  object_class->finalize = ob_preferences_window_finalize;
  object_class->get_property = ob_preferences_window_get_property;
  object_class->set_property = ob_preferences_window_set_property;

  properties[PROP_SETTINGS] =
    g_param_spec_object ("settings", NULL, NULL,
                         G_TYPE_SETTINGS,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/outband/Outband/ob-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, cira_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, rps_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, common_name_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, common_name_hint);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, keepalive_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, legacy_tls_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_address_row);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, api_port_spin);
  gtk_widget_class_bind_template_child (widget_class, ObPreferencesWindow, log_level_row);
  gtk_widget_class_bind_template_callback (widget_class, on_common_name_changed);
}

static void
ob_preferences_window_init (ObPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->primary_address = ob_get_primary_address ();
}

/**
 * ob_preferences_window_new:
 * @settings: the application's settings (schema `io.github.outband.Outband`)
 *
 * Returns: (transfer full): a new preferences window whose widgets are
 *   bound to @settings
 */
ObPreferencesWindow *
ob_preferences_window_new (GSettings *settings)
{
  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  return g_object_new (OB_TYPE_PREFERENCES_WINDOW,
                       "settings", settings,
                       NULL);
}

/**
 * ob_preferences_window_get_settings:
 * @self: an #ObPreferencesWindow
 *
 * Returns: (transfer none): the settings the window edits
 */
GSettings *
ob_preferences_window_get_settings (ObPreferencesWindow *self)
{
  g_return_val_if_fail (OB_IS_PREFERENCES_WINDOW (self), NULL);

  return self->settings;
}
