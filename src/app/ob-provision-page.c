/* ob-provision-page.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-activation-row.h"
#include "ob-provision-page.h"
#include "ob-rps-ui-util.h"
#include "ob-ui-util.h"

struct _ObProvisionPage
{
  AdwBin parent_instance;

  ObServices *services;
  ObStore *store;
  ObRpsServer *rps;
  gboolean folded;
  gboolean filling;
  gulong watch_id;

  GtkStack *stack;
  AdwComboRow *profile_row;
  GtkStringList *profile_names;
  AdwActionRow *linux_row;
  AdwActionRow *windows_row;
  GtkListBox *activations_list;
};

G_DEFINE_FINAL_TYPE (ObProvisionPage, ob_provision_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Characters a shell takes as they are. */
static gboolean
is_plain (const char *text,
          const char *extra)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.", *p) == NULL && strchr (extra, *p) == NULL)
      return FALSE;

  return TRUE;
}

/* Profile names may hold ( ) ; < > ' and the like: quote them for the
 * shell the command is pasted into.  They never hold a double quote. */
static char *
quote_profile (ObProvisionPlatform  platform,
               const char          *profile)
{
  if (platform == OB_PROVISION_LINUX)
    return is_plain (profile, "@%^~#") ? g_strdup (profile) : g_shell_quote (profile);

  return is_plain (profile, "@~#") ? g_strdup (profile) : g_strdup_printf ("\"%s\"", profile);
}

/**
 * ob_provision_command_line:
 * @platform: where rpc-go runs
 * @host: the address the device reaches this machine at
 * @port: the provisioning server's port
 * @profile: the profile's name
 *
 * rpc-go's activation command: "-u" the server (our RPS takes any path;
 * /activate is what gateways map), "-profile" the profile, "-n" because
 * the server certificate comes from Outband's own authority.
 *
 * Returns: (transfer full): the command line
 */
char *
ob_provision_command_line (ObProvisionPlatform  platform,
                           const char          *host,
                           guint                port,
                           const char          *profile)
{
  g_autofree char *quoted = quote_profile (platform, profile);
  g_autofree char *authority = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]", host) : g_strdup (host);

  if (platform == OB_PROVISION_LINUX)
    return g_strdup_printf ("sudo ./rpc activate -u wss://%s:%u/activate -profile %s -n",
                            authority, port, quoted);

  return g_strdup_printf ("rpc.exe activate -u wss://%s:%u/activate -profile %s -n",
                          authority, port, quoted);
}

static const char *
selected_profile (ObProvisionPage *self)
{
  guint selected = adw_combo_row_get_selected (self->profile_row);

  if (selected == GTK_INVALID_LIST_POSITION)
    return NULL;

  return gtk_string_list_get_string (self->profile_names, selected);
}

static guint
rps_port (ObProvisionPage *self)
{
  if (self->rps != NULL && ob_rps_server_get_listening (self->rps))
    return ob_rps_server_get_port (self->rps);
  if (self->services != NULL)
    return ob_config_get_rps_port (ob_services_get_config (self->services));

  return 8080;
}

/* The address devices use: the name Outband's certificates carry when it
 * is a host name or address, else this machine's primary address. */
static char *
devices_address (ObProvisionPage *self)
{
  ObCertAuthority *ca = self->services != NULL ? ob_services_get_cert_authority (self->services) : NULL;
  const char *cn = ca != NULL ? ob_cert_authority_get_common_name (ca) : NULL;

  if (cn != NULL && cn[0] != '\0' && g_ascii_strcasecmp (cn, "localhost") != 0 && ob_host_is_valid (cn))
    return g_strdup (cn);

  return ob_rps_this_machine_address ();
}

char *
ob_provision_page_dup_command (ObProvisionPage     *self,
                               ObProvisionPlatform  platform)
{
  const char *profile;
  g_autofree char *host = NULL;

  g_return_val_if_fail (OB_IS_PROVISION_PAGE (self), NULL);

  profile = selected_profile (self);
  if (profile == NULL)
    return NULL;

  host = devices_address (self);
  return ob_provision_command_line (platform, host, rps_port (self), profile);
}

static void
update_commands (ObProvisionPage *self)
{
  g_autofree char *linux_command = ob_provision_page_dup_command (self, OB_PROVISION_LINUX);
  g_autofree char *windows_command = ob_provision_page_dup_command (self, OB_PROVISION_WINDOWS);

  adw_action_row_set_subtitle (self->linux_row, linux_command != NULL ? linux_command : "");
  adw_action_row_set_subtitle (self->windows_row, windows_command != NULL ? windows_command : "");
}

static void
on_profile_selected (ObProvisionPage *self)
{
  if (!self->filling)
    update_commands (self);
}

static void
reload_profiles (ObProvisionPage *self)
{
  g_autoptr(GPtrArray) profiles = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) names = NULL;
  g_autofree char *previous = g_strdup (selected_profile (self));

  if (self->store != NULL)
    profiles = ob_store_list_profiles (self->store, NULL, NULL, NULL);
  for (guint i = 0; profiles != NULL && i < profiles->len; i++)
    g_strv_builder_add (builder, ob_profile_get_name (g_ptr_array_index (profiles, i)));
  names = g_strv_builder_end (builder);

  self->filling = TRUE;
  gtk_string_list_splice (self->profile_names, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->profile_names)),
                          (const char * const *) names);
  self->filling = FALSE;

  if (previous == NULL || !ob_provision_page_select_profile (self, previous))
    adw_combo_row_set_selected (self->profile_row, names[0] != NULL ? 0 : GTK_INVALID_LIST_POSITION);

  gtk_stack_set_visible_child_name (self->stack, names[0] != NULL ? "provision" : "no-profile");
  update_commands (self);
}

static gboolean
reload_cb (gpointer data)
{
  reload_profiles (OB_PROVISION_PAGE (data));

  return G_SOURCE_REMOVE;
}

static GtkWidget *
create_activation_row (gpointer item,
                       gpointer user_data)
{
  return ob_activation_row_new (OB_RPS_SESSION (item));
}

static void
copy_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  ObProvisionPage *self = OB_PROVISION_PAGE (widget);
  gboolean windows = g_strcmp0 (g_variant_get_string (param, NULL), "windows") == 0;
  g_autofree char *command = ob_provision_page_dup_command (self, windows ? OB_PROVISION_WINDOWS :
                                                            OB_PROVISION_LINUX);

  if (command == NULL)
    return;

  ob_rps_copy_text (widget, command);
  ob_widget_show_toast (widget, _("Command copied"));
}

static void
set_rps (ObProvisionPage *self,
         ObRpsServer     *rps)
{
  if (self->rps == rps)
    return;

  g_set_object (&self->rps, rps);
  gtk_list_box_bind_model (self->activations_list,
                           rps != NULL ? ob_rps_server_get_sessions (rps) : NULL,
                           rps != NULL ? create_activation_row : NULL, self, NULL);
  update_commands (self);
}

/* The provisioning server exists once the services have started. */
static void
on_services_state_changed (ObProvisionPage *self)
{
  ObStore *store = ob_services_get_store (self->services);

  if (self->store != store)
    {
      if (self->store != NULL)
        g_clear_signal_handler (&self->watch_id, self->store);
      g_set_object (&self->store, store);
      if (store != NULL)
        self->watch_id = ob_rps_watch_store (store, "changed::" OB_STORE_KIND_PROFILE, self, reload_cb);
      reload_profiles (self);
    }

  set_rps (self, ob_services_get_rps_server (self->services));
  update_commands (self);
}

static void
ob_provision_page_dispose (GObject *object)
{
  ObProvisionPage *self = OB_PROVISION_PAGE (object);

  if (self->store != NULL)
    g_clear_signal_handler (&self->watch_id, self->store);
  if (self->activations_list != NULL)
    gtk_list_box_bind_model (self->activations_list, NULL, NULL, NULL, NULL);
  g_clear_object (&self->store);
  g_clear_object (&self->rps);
  g_clear_object (&self->services);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_PROVISION_PAGE);

  G_OBJECT_CLASS (ob_provision_page_parent_class)->dispose (object);
}

static void
ob_provision_page_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  ObProvisionPage *self = OB_PROVISION_PAGE (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_provision_page_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  ObProvisionPage *self = OB_PROVISION_PAGE (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      if (self->folded != g_value_get_boolean (value))
        {
          self->folded = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_provision_page_class_init (ObProvisionPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_provision_page_dispose;
  object_class->get_property = ob_provision_page_get_property;
  object_class->set_property = ob_provision_page_set_property;

  /* Set by the window while its leaflet is folded. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-provision-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, profile_row);
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, profile_names);
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, linux_row);
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, windows_row);
  gtk_widget_class_bind_template_child (widget_class, ObProvisionPage, activations_list);
  gtk_widget_class_bind_template_callback (widget_class, on_profile_selected);

  gtk_widget_class_install_action (widget_class, "provision.copy", "s", copy_action);
}

static void
ob_provision_page_init (ObProvisionPage *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  placeholder = gtk_label_new (_("No device has connected yet. Run the command above on one."));
  gtk_label_set_wrap (GTK_LABEL (placeholder), TRUE);
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_widget_set_margin_start (placeholder, 12);
  gtk_widget_set_margin_end (placeholder, 12);
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_list_box_set_placeholder (self->activations_list, placeholder);

  reload_profiles (self);
}

ObServices *
ob_provision_page_get_services (ObProvisionPage *self)
{
  g_return_val_if_fail (OB_IS_PROVISION_PAGE (self), NULL);

  return self->services;
}

void
ob_provision_page_set_services (ObProvisionPage *self,
                                ObServices      *services)
{
  g_return_if_fail (OB_IS_PROVISION_PAGE (self));
  g_return_if_fail (services == NULL || OB_IS_SERVICES (services));

  if (self->services == services)
    return;

  if (self->services != NULL)
    g_signal_handlers_disconnect_by_data (self->services, self);
  g_set_object (&self->services, services);
  if (services == NULL)
    return;

  g_signal_connect_object (services, "notify::state", G_CALLBACK (on_services_state_changed), self,
                           G_CONNECT_SWAPPED);
  on_services_state_changed (self);
}

gboolean
ob_provision_page_select_profile (ObProvisionPage *self,
                                  const char      *name)
{
  g_return_val_if_fail (OB_IS_PROVISION_PAGE (self), FALSE);

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->profile_names)); i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->profile_names, i), name) == 0)
      {
        adw_combo_row_set_selected (self->profile_row, i);
        update_commands (self);
        return TRUE;
      }

  return FALSE;
}

guint
ob_provision_page_get_n_activations (ObProvisionPage *self)
{
  g_return_val_if_fail (OB_IS_PROVISION_PAGE (self), 0);

  return self->rps != NULL ? g_list_model_get_n_items (ob_rps_server_get_sessions (self->rps)) : 0;
}

GtkWidget *
ob_provision_page_get_activation (ObProvisionPage *self,
                                  guint            index)
{
  g_return_val_if_fail (OB_IS_PROVISION_PAGE (self), NULL);

  return GTK_WIDGET (gtk_list_box_get_row_at_index (self->activations_list, index));
}
