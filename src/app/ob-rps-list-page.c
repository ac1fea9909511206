/* ob-rps-list-page.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-cira-config-editor.h"
#include "ob-domain-editor.h"
#include "ob-ieee8021x-editor.h"
#include "ob-profile-editor.h"
#include "ob-rps-list-page.h"
#include "ob-rps-ui-util.h"
#include "ob-ui-util.h"
#include "ob-wireless-editor.h"

/* One page type for the five kinds of provisioning record: what differs is
 * in this table. */
typedef struct
{
  const char  *kind;
  const char  *title;
  const char  *add_tooltip;
  const char  *icon_name;
  const char  *empty_title;
  const char  *empty_description;
  const char  *description;
  const char  *secret_owner;
  GtkWidget *(*new_editor) (ObServices *services,
                            const char *name);
} KindInfo;

static const KindInfo kind_infos[] = {
  {
    OB_STORE_KIND_PROFILE, N_("Profiles"), N_("Add Profile"), "document-properties-symbolic",
    N_("No Profiles"),
    N_("A profile says how a device is activated: the control mode, its passwords, the features "
       "to turn on and how it is reached afterwards. Add one, then use it under “Provision a "
       "Device”."),
    N_("Devices are activated with one of these profiles. The passwords are kept in the keyring "
       "and never shown again."),
    OB_SECRET_OWNER_PROFILE, ob_profile_editor_new,
  },
  {
    OB_STORE_KIND_CIRA_CONFIG, N_("CIRA Configurations"), N_("Add CIRA Configuration"),
    "network-server-symbolic",
    N_("No CIRA Configurations"),
    N_("A CIRA configuration tells a device where to call home: this machine’s address, the CIRA "
       "port and the credentials it logs in with. Add one so profiles can use it."),
    N_("Profiles that use one of these make their devices connect to this machine over CIRA."),
    OB_SECRET_OWNER_CIRA_CONFIG, ob_cira_config_editor_new,
  },
  {
    OB_STORE_KIND_DOMAIN, N_("Domains"), N_("Add Domain"), "security-high-symbolic",
    N_("No Domains"),
    N_("Admin control mode needs a provisioning certificate for the network’s DNS suffix. Add "
       "the .pfx file your certificate authority issued."),
    N_("A device is activated in admin control mode with the certificate whose DNS suffix "
       "matches its own."),
    OB_SECRET_OWNER_DOMAIN, ob_domain_editor_new,
  },
  {
    OB_STORE_KIND_WIRELESS_CONFIG, N_("Wireless"), N_("Add Wireless Network"),
    "network-wireless-symbolic",
    N_("No Wireless Networks"),
    N_("Add the wireless networks devices should reach AMT over; profiles list them in order "
       "of preference."),
    N_("Profiles give these networks to their devices, in the order the profile lists them."),
    OB_SECRET_OWNER_WIRELESS, ob_wireless_editor_new,
  },
  {
    OB_STORE_KIND_IEEE8021X_CONFIG, N_("802.1x"), N_("Add 802.1x Configuration"),
    "channel-secure-symbolic",
    N_("No 802.1x Configurations"),
    N_("Networks that authenticate devices with 802.1x need one of these. Add one for wired "
       "networks (used by profiles) or for wireless ones (used by wireless networks)."),
    N_("Wired configurations are used by profiles, wireless ones by wireless networks."),
    OB_SECRET_OWNER_IEEE8021X, ob_ieee8021x_editor_new,
  },
};

struct _ObRpsListPage
{
  AdwBin parent_instance;

  const KindInfo *info;
  ObServices *services;
  ObStore *store;
  gboolean folded;
  gulong watch_ids[2];
  GPtrArray *names;

  AdwWindowTitle *window_title;
  GtkButton *add_button;
  GtkStack *stack;
  AdwStatusPage *empty_page;
  GtkButton *empty_button;
  GtkLabel *description_label;
  GtkListBox *list_box;
};

G_DEFINE_FINAL_TYPE (ObRpsListPage, ob_rps_list_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_KIND,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const KindInfo *
find_kind (const char *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_infos); i++)
    if (g_strcmp0 (kind_infos[i].kind, kind) == 0)
      return &kind_infos[i];

  return NULL;
}

static const char *
wifi_auth_name (guint method)
{
  switch (method)
    {
    case 4: return _("WPA Personal");
    case 5: return _("WPA Enterprise");
    case 6: return _("WPA2 Personal");
    case 7: return _("WPA2 Enterprise");
    default: return _("Unknown security");
    }
}

static const char *
eap_name (guint protocol)
{
  switch (protocol)
    {
    case 0: return "EAP-TLS";
    case 2: return "PEAPv0/EAP-MSCHAPv2";
    case 3: return "PEAPv1/EAP-GTC";
    case 5: return "EAP-FAST/GTC";
    case 10: return "EAP-FAST/TLS";
    default: return _("Unknown protocol");
    }
}

static char *
profile_summary (ObProfile *profile)
{
  gboolean acm = g_strcmp0 (ob_profile_get_activation (profile), OB_PROFILE_ACTIVATION_ACM) == 0;
  const char *mode = acm ? _("Admin control mode") : _("Client control mode");
  const char *cira = ob_profile_get_cira_config_name (profile);

  if (cira != NULL && cira[0] != '\0')
    /* Translators: "<control mode> · CIRA “<configuration>”" */
    return g_strdup_printf (_("%s · CIRA “%s”"), mode, cira);
  if (ob_profile_get_tls_mode (profile) != 0)
    return g_strdup_printf (_("%s · TLS"), mode);

  return g_strdup (mode);
}

static char *
record_summary (ObRpsListPage *self,
                gpointer       record)
{
  if (OB_IS_PROFILE (record))
    return profile_summary (record);

  if (OB_IS_CIRA_CONFIG (record))
    {
      ObCiraConfig *config = record;

      /* Translators: "<address>:<port> · user <name>" */
      return g_strdup_printf (_("%s:%u · user %s"),
                              ob_cira_config_get_mps_server_address (config),
                              ob_cira_config_get_mps_port (config),
                              ob_cira_config_get_username (config));
    }

  if (OB_IS_DOMAIN (record))
    {
      ObDomain *domain = record;
      GDateTime *expiry = ob_domain_get_expiration_date (domain);
      g_autofree char *date = expiry != NULL ? g_date_time_format (expiry, "%x") : NULL;

      if (date == NULL)
        return g_strdup (ob_domain_get_domain_suffix (domain));

      /* Translators: "<DNS suffix> · expires <date>" */
      return g_strdup_printf (_("%s · expires %s"), ob_domain_get_domain_suffix (domain), date);
    }

  if (OB_IS_WIRELESS_CONFIG (record))
    {
      ObWirelessConfig *config = record;

      return g_strdup_printf ("%s · %s", ob_wireless_config_get_ssid (config),
                              wifi_auth_name (ob_wireless_config_get_authentication_method (config)));
    }

  if (OB_IS_IEEE8021X_CONFIG (record))
    {
      ObIeee8021xConfig *config = record;

      return g_strdup_printf ("%s · %s",
                              ob_ieee8021x_config_get_wired_interface (config) ? _("Wired") : _("Wireless"),
                              eap_name (ob_ieee8021x_config_get_authentication_protocol (config)));
    }

  return NULL;
}

static const char *
record_name (gpointer record)
{
  if (OB_IS_PROFILE (record))
    return ob_profile_get_name (record);
  if (OB_IS_CIRA_CONFIG (record))
    return ob_cira_config_get_name (record);
  if (OB_IS_DOMAIN (record))
    return ob_domain_get_name (record);
  if (OB_IS_WIRELESS_CONFIG (record))
    return ob_wireless_config_get_name (record);
  if (OB_IS_IEEE8021X_CONFIG (record))
    return ob_ieee8021x_config_get_name (record);

  return NULL;
}

static GPtrArray *
list_records (ObRpsListPage  *self,
              GError        **error)
{
  const char *kind = self->info->kind;

  if (g_str_equal (kind, OB_STORE_KIND_PROFILE))
    return ob_store_list_profiles (self->store, NULL, NULL, error);
  if (g_str_equal (kind, OB_STORE_KIND_CIRA_CONFIG))
    return ob_store_list_cira_configs (self->store, NULL, NULL, error);
  if (g_str_equal (kind, OB_STORE_KIND_DOMAIN))
    return ob_store_list_domains (self->store, NULL, NULL, error);
  if (g_str_equal (kind, OB_STORE_KIND_WIRELESS_CONFIG))
    return ob_store_list_wireless_configs (self->store, NULL, NULL, error);

  return ob_store_list_ieee8021x_configs (self->store, NULL, NULL, error);
}

static GtkWidget *
create_row (ObRpsListPage *self,
            gpointer       record)
{
  const char *name = record_name (record);
  g_autofree char *summary = record_summary (self, record);
  GtkWidget *row;
  GtkWidget *button;

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary != NULL ? summary : "");
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), "rps-list.edit");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (row), "s", name);

  button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, _("Delete"));
  gtk_widget_add_css_class (button, "flat");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "rps-list.delete");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", name);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));

  return row;
}

static void
ob_rps_list_page_reload (ObRpsListPage *self)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;

  ob_list_box_remove_all (self->list_box);
  g_ptr_array_set_size (self->names, 0);

  if (self->store != NULL)
    records = list_records (self, &error);
  if (error != NULL)
    {
      g_warning ("Cannot list %s records: %s", self->info->kind, error->message);
      ob_widget_show_toast (GTK_WIDGET (self), _("The list could not be read from the database"));
    }

  for (guint i = 0; records != NULL && i < records->len; i++)
    {
      gpointer record = g_ptr_array_index (records, i);

      g_ptr_array_add (self->names, g_strdup (record_name (record)));
      gtk_list_box_append (self->list_box, create_row (self, record));
    }

  gtk_stack_set_visible_child_name (self->stack, self->names->len > 0 ? "list" : "empty");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "rps-list.add", self->services != NULL);
}

static gboolean
reload_cb (gpointer data)
{
  ob_rps_list_page_reload (OB_RPS_LIST_PAGE (data));

  return G_SOURCE_REMOVE;
}

static void
unwatch_store (ObRpsListPage *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (self->watch_ids); i++)
    if (self->watch_ids[i] != 0)
      g_clear_signal_handler (&self->watch_ids[i], self->store);
}

static void
on_editor_saved (ObRpsListPage *self,
                 const char    *name)
{
  g_autofree char *message = g_strdup_printf (_("“%s” saved"), name);

  ob_widget_show_toast (GTK_WIDGET (self), message);
}

static void
open_editor (ObRpsListPage *self,
             const char    *name)
{
  GtkWidget *editor;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->services == NULL)
    return;

  editor = self->info->new_editor (self->services, name);
  g_signal_connect_object (editor, "saved", G_CALLBACK (on_editor_saved), self, G_CONNECT_SWAPPED);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (editor));
}

static void
add_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *param)
{
  open_editor (OB_RPS_LIST_PAGE (widget), NULL);
}

static void
edit_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  open_editor (OB_RPS_LIST_PAGE (widget), g_variant_get_string (param, NULL));
}

/* Which records use @name, for the refusal's message. */
static char *
find_users (ObRpsListPage *self,
            const char    *name)
{
  g_autoptr(GPtrArray) profiles = ob_store_list_profiles (self->store, NULL, NULL, NULL);
  g_autoptr(GString) users = g_string_new (NULL);
  const char *kind = self->info->kind;

  for (guint i = 0; profiles != NULL && i < profiles->len; i++)
    {
      ObProfile *profile = g_ptr_array_index (profiles, i);
      gboolean uses = FALSE;

      if (g_str_equal (kind, OB_STORE_KIND_CIRA_CONFIG))
        uses = g_strcmp0 (ob_profile_get_cira_config_name (profile), name) == 0;
      else if (g_str_equal (kind, OB_STORE_KIND_IEEE8021X_CONFIG))
        uses = g_strcmp0 (ob_profile_get_ieee8021x_profile_name (profile), name) == 0;
      else if (g_str_equal (kind, OB_STORE_KIND_WIRELESS_CONFIG))
        {
          GPtrArray *links = ob_profile_get_wifi_links (profile);

          for (guint j = 0; links != NULL && j < links->len; j++)
            uses = uses || g_strcmp0 (((ObProfileWifiLink *) g_ptr_array_index (links, j))->name, name) == 0;
        }

      if (uses)
        g_string_append_printf (users, "%s“%s”", users->len > 0 ? ", " : "", ob_profile_get_name (profile));
    }

  if (g_str_equal (kind, OB_STORE_KIND_IEEE8021X_CONFIG))
    {
      g_autoptr(GPtrArray) wireless = ob_store_list_wireless_configs (self->store, NULL, NULL, NULL);

      for (guint i = 0; wireless != NULL && i < wireless->len; i++)
        {
          ObWirelessConfig *config = g_ptr_array_index (wireless, i);

          if (g_strcmp0 (ob_wireless_config_get_ieee8021x_profile_name (config), name) == 0)
            g_string_append_printf (users, "%s“%s”", users->len > 0 ? ", " : "",
                                    ob_wireless_config_get_name (config));
        }
    }

  return g_string_free (g_steal_pointer (&users), FALSE);
}

static gboolean
delete_record (ObRpsListPage  *self,
               const char     *name,
               GError        **error)
{
  const char *kind = self->info->kind;

  if (g_str_equal (kind, OB_STORE_KIND_PROFILE))
    return ob_store_delete_profile (self->store, name, error);
  if (g_str_equal (kind, OB_STORE_KIND_CIRA_CONFIG))
    return ob_store_delete_cira_config (self->store, name, error);
  if (g_str_equal (kind, OB_STORE_KIND_DOMAIN))
    return ob_store_delete_domain (self->store, name, error);
  if (g_str_equal (kind, OB_STORE_KIND_WIRELESS_CONFIG))
    return ob_store_delete_wireless_config (self->store, name, error);

  return ob_store_delete_ieee8021x_config (self->store, name, error);
}

static void
on_secrets_cleared (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* The record is gone; a secret left behind is only noted. */
  if (!ob_rps_secret_job_finish (result, &error))
    g_warning ("Could not remove the secrets of a deleted record: %s", error->message);
}

gboolean
ob_rps_list_page_delete (ObRpsListPage  *self,
                         const char     *name,
                         GError        **error)
{
  g_autoptr(GError) local_error = NULL;
  ObRpsSecretJob *job;

  g_return_val_if_fail (OB_IS_RPS_LIST_PAGE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (self->store == NULL)
    {
      g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                           _("The database is not open yet"));
      return FALSE;
    }

  if (!delete_record (self, name, &local_error))
    {
      g_autofree char *message = NULL;

      if (g_error_matches (local_error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE))
        {
          g_autofree char *users = find_users (self, name);

          if (users[0] != '\0')
            /* Translators: the first %s is a name, the second a list of names */
            message = g_strdup_printf (_("“%s” cannot be deleted: %s still use it. Change or "
                                         "delete them first."), name, users);
          else
            message = g_strdup_printf (_("“%s” cannot be deleted while a profile uses it."), name);
        }
      else if (g_error_matches (local_error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        message = g_strdup_printf (_("“%s” was already deleted."), name);
      else
        message = g_strdup_printf (_("“%s” could not be deleted."), name);

      ob_widget_show_toast (GTK_WIDGET (self), message);
      g_set_error_literal (error, local_error->domain, local_error->code, message);
      return FALSE;
    }

  job = ob_rps_secret_job_new (ob_services_get_secret_store (self->services));
  ob_rps_secret_job_clear (job, self->info->secret_owner, name, NULL);
  ob_rps_secret_job_run (job, NULL, on_secrets_cleared, NULL);

  return TRUE;
}

static void
on_delete_response (AdwMessageDialog *dialog,
                    const char       *response,
                    ObRpsListPage    *self)
{
  const char *name = g_object_get_data (G_OBJECT (dialog), "ob-name");

  if (g_strcmp0 (response, "delete") == 0)
    ob_rps_list_page_delete (self, name, NULL);
}

static void
delete_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (widget);
  const char *name = g_variant_get_string (param, NULL);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *heading = g_strdup_printf (_("Delete “%s”?"), name);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Devices already provisioned keep their settings. The "
                                     "secrets kept for it are removed from the keyring."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "delete", _("_Delete"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "delete",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "ob-name", g_strdup (name), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_delete_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ob_rps_list_page_constructed (GObject *object)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (object);

  G_OBJECT_CLASS (ob_rps_list_page_parent_class)->constructed (object);

  if (self->info == NULL)
    self->info = &kind_infos[0];

  adw_window_title_set_title (self->window_title, _(self->info->title));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->add_button), _(self->info->add_tooltip));
  gtk_button_set_label (self->empty_button, _(self->info->add_tooltip));
  adw_status_page_set_icon_name (self->empty_page, self->info->icon_name);
  adw_status_page_set_title (self->empty_page, _(self->info->empty_title));
  adw_status_page_set_description (self->empty_page, _(self->info->empty_description));
  gtk_label_set_text (self->description_label, _(self->info->description));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _(self->info->title),
                                  -1);

  ob_rps_list_page_reload (self);
}

static void
ob_rps_list_page_dispose (GObject *object)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (object);

  if (self->store != NULL)
    unwatch_store (self);
  g_clear_object (&self->store);
  g_clear_object (&self->services);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_RPS_LIST_PAGE);

  G_OBJECT_CLASS (ob_rps_list_page_parent_class)->dispose (object);
}

static void
ob_rps_list_page_finalize (GObject *object)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (object);

  g_ptr_array_unref (self->names);

  G_OBJECT_CLASS (ob_rps_list_page_parent_class)->finalize (object);
}

static void
ob_rps_list_page_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      g_value_set_string (value, self->info != NULL ? self->info->kind : NULL);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rps_list_page_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  ObRpsListPage *self = OB_RPS_LIST_PAGE (object);

  switch (prop_id)
    {
    case PROP_KIND:
      self->info = find_kind (g_value_get_string (value));
      break;

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
ob_rps_list_page_class_init (ObRpsListPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = ob_rps_list_page_constructed;
  object_class->dispose = ob_rps_list_page_dispose;
  object_class->finalize = ob_rps_list_page_finalize;
  object_class->get_property = ob_rps_list_page_get_property;
  object_class->set_property = ob_rps_list_page_set_property;

  properties[PROP_KIND] =
    g_param_spec_string ("kind", NULL, NULL,
                         OB_STORE_KIND_PROFILE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  /* Set by the window while its leaflet is folded: the header then shows a
   * back button. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-rps-list-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, add_button);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, empty_page);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, empty_button);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, ObRpsListPage, list_box);

  gtk_widget_class_install_action (widget_class, "rps-list.add", NULL, add_action);
  gtk_widget_class_install_action (widget_class, "rps-list.edit", "s", edit_action);
  gtk_widget_class_install_action (widget_class, "rps-list.delete", "s", delete_action);
}

static void
ob_rps_list_page_init (ObRpsListPage *self)
{
  self->names = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ob_rps_list_page_new (const char *kind)
{
  g_return_val_if_fail (find_kind (kind) != NULL, NULL);

  return g_object_new (OB_TYPE_RPS_LIST_PAGE, "kind", kind, NULL);
}

const char *
ob_rps_list_page_get_kind (ObRpsListPage *self)
{
  g_return_val_if_fail (OB_IS_RPS_LIST_PAGE (self), NULL);

  return self->info->kind;
}

ObServices *
ob_rps_list_page_get_services (ObRpsListPage *self)
{
  g_return_val_if_fail (OB_IS_RPS_LIST_PAGE (self), NULL);

  return self->services;
}

/**
 * ob_rps_list_page_set_services:
 * @self: an #ObRpsListPage
 * @services: (nullable): the running services (their store must be open)
 *
 * Lists the records of @services' store and follows its changes.
 */
void
ob_rps_list_page_set_services (ObRpsListPage *self,
                               ObServices    *services)
{
  ObStore *store;

  g_return_if_fail (OB_IS_RPS_LIST_PAGE (self));
  g_return_if_fail (services == NULL || OB_IS_SERVICES (services));

  store = services != NULL ? ob_services_get_store (services) : NULL;
  if (self->services == services && self->store == store)
    return;

  if (self->store != NULL)
    unwatch_store (self);
  g_set_object (&self->services, services);
  g_set_object (&self->store, store);

  if (self->store != NULL)
    {
      g_autofree char *signal = g_strdup_printf ("changed::%s", self->info->kind);

      self->watch_ids[0] = ob_rps_watch_store (self->store, signal, self, reload_cb);
      /* A profile's line names its CIRA configuration. */
      if (g_str_equal (self->info->kind, OB_STORE_KIND_PROFILE))
        self->watch_ids[1] = ob_rps_watch_store (self->store, "changed::" OB_STORE_KIND_CIRA_CONFIG,
                                                 self, reload_cb);
    }

  ob_rps_list_page_reload (self);
}

GStrv
ob_rps_list_page_dup_names (ObRpsListPage *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (OB_IS_RPS_LIST_PAGE (self), NULL);

  for (guint i = 0; i < self->names->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->names, i));

  return g_strv_builder_end (builder);
}
