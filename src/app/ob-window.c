/* ob-window.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-application.h"
#include "ob-devices-page.h"
#include "ob-provision-page.h"
#include "ob-rps-list-page.h"
#include "ob-window.h"

/* The sidebar lists only pages that work.  A page is a widget with its own
 * header bar and a boolean "folded" property, which the window keeps in
 * sync with the leaflet so the page can show a back button. */
typedef struct
{
  const char *name;
  const char *title;
  const char *icon_name;
  GType     (*get_type) (void);
  const char *kind;     /* an ObRpsListPage's record kind */
} ObWindowPageInfo;

static const ObWindowPageInfo page_infos[] = {
  { "devices", N_("Devices"), "computer-symbolic", ob_devices_page_get_type },
  { "provision", N_("Provision a Device"), "list-add-symbolic", ob_provision_page_get_type },
  { "profiles", N_("Profiles"), "document-properties-symbolic", ob_rps_list_page_get_type,
    OB_STORE_KIND_PROFILE },
  { "cira-configs", N_("CIRA Configurations"), "network-server-symbolic", ob_rps_list_page_get_type,
    OB_STORE_KIND_CIRA_CONFIG },
  { "domains", N_("Domains"), "security-high-symbolic", ob_rps_list_page_get_type,
    OB_STORE_KIND_DOMAIN },
  { "wireless", N_("Wireless"), "network-wireless-symbolic", ob_rps_list_page_get_type,
    OB_STORE_KIND_WIRELESS_CONFIG },
  { "ieee8021x", N_("802.1x"), "channel-secure-symbolic", ob_rps_list_page_get_type,
    OB_STORE_KIND_IEEE8021X_CONFIG },
};

#define PAGE_NAME_KEY "ob-page-name"

struct _ObWindow
{
  AdwApplicationWindow parent_instance;

  GSettings *settings;
  ObServices *services;

  AdwToastOverlay *toast_overlay;
  AdwLeaflet *leaflet;
  GtkListBox *sidebar_list;
  GtkStack *stack;
};

G_DEFINE_FINAL_TYPE (ObWindow, ob_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_FOLDED,
  PROP_VISIBLE_PAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkListBoxRow *
ob_window_find_row (ObWindow   *self,
                    const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->sidebar_list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX_ROW (child) &&
          g_strcmp0 (g_object_get_data (G_OBJECT (child), PAGE_NAME_KEY), name) == 0)
        return GTK_LIST_BOX_ROW (child);
    }

  return NULL;
}

static GtkWidget *
ob_window_create_row (const ObWindowPageInfo *info)
{
  GtkWidget *row;
  GtkWidget *box;
  GtkWidget *image;
  GtkWidget *label;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  image = gtk_image_new_from_icon_name (info->icon_name);
  gtk_box_append (GTK_BOX (box), image);

  label = gtk_label_new (_(info->title));
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _(info->title),
                                  -1);
  g_object_set_data (G_OBJECT (row), PAGE_NAME_KEY, (gpointer) info->name);

  return row;
}

static void
on_sidebar_row_selected (ObWindow      *self,
                         GtkListBoxRow *row,
                         GtkListBox    *list)
{
  const char *name;

  if (row == NULL)
    return;

  name = g_object_get_data (G_OBJECT (row), PAGE_NAME_KEY);
  gtk_stack_set_visible_child_name (self->stack, name);
}

static void
on_sidebar_row_activated (ObWindow      *self,
                          GtkListBoxRow *row,
                          GtkListBox    *list)
{
  /* Selection already switched the page; when folded, also slide over to
   * it. */
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

static void
on_leaflet_folded_changed (ObWindow   *self,
                           GParamSpec *pspec,
                           AdwLeaflet *leaflet)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

static void
on_stack_visible_child_changed (ObWindow   *self,
                                GParamSpec *pspec,
                                GtkStack   *stack)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE_PAGE]);
}

static void
ob_window_add_pages (ObWindow *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    {
      const ObWindowPageInfo *info = &page_infos[i];
      GtkWidget *page;

      if (info->kind != NULL)
        page = g_object_new (info->get_type (), "kind", info->kind, NULL);
      else
        page = g_object_new (info->get_type (), NULL);
      g_object_bind_property (self->leaflet, "folded",
                              page, "folded",
                              G_BINDING_SYNC_CREATE);
      gtk_stack_add_titled (self->stack, page, info->name, _(info->title));

      gtk_list_box_append (self->sidebar_list, ob_window_create_row (info));
    }
}

static void
ob_window_navigate_back (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *param)
{
  ObWindow *self = OB_WINDOW (widget);

  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
}

static void
ob_window_show_page_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObWindow *self = OB_WINDOW (widget);
  const char *name = g_variant_get_string (param, NULL);

  if (ob_window_find_row (self, name) == NULL)
    {
      g_debug ("No page named “%s”", name);
      return;
    }

  ob_window_show_page (self, name);
}

static void
ob_window_restore_state (ObWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), width, height);

  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

/* The default size tracks the unmaximized size in GTK 4, so it is what
 * should come back next time. */
static void
ob_window_save_state (ObWindow *self)
{
  int width = 0;
  int height = 0;

  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);

  g_settings_delay (self->settings);
  if (width > 0 && height > 0)
    {
      /* Stay inside the schema's ranges; a smaller window than that was
       * forced by something else and is not worth remembering. */
      g_settings_set_int (self->settings, "window-width", CLAMP (width, 360, 32767));
      g_settings_set_int (self->settings, "window-height", CLAMP (height, 294, 32767));
    }
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
ob_window_close_request (GtkWindow *window)
{
  ob_window_save_state (OB_WINDOW (window));

  return GTK_WINDOW_CLASS (ob_window_parent_class)->close_request (window);
}

/* The registry exists once the services have started (the first start
 * makes the CA's keys first); hand it to the devices page then. */
static void
on_services_state_changed (ObWindow   *self,
                           GParamSpec *pspec,
                           ObServices *services)
{
  ObDevicesPage *page = OB_DEVICES_PAGE (ob_window_get_page (self, "devices"));
  ObDeviceRegistry *registry = ob_services_get_device_registry (services);

  if (page != NULL && registry != NULL && ob_devices_page_get_registry (page) != registry)
    ob_devices_page_set_registry (page, registry);

  /* The provisioning pages need the store, open once the services run. */
  for (guint i = 0; i < G_N_ELEMENTS (page_infos); i++)
    {
      GtkWidget *other = ob_window_get_page (self, page_infos[i].name);

      if (OB_IS_RPS_LIST_PAGE (other))
        ob_rps_list_page_set_services (OB_RPS_LIST_PAGE (other),
                                       ob_services_get_store (services) != NULL ? services : NULL);
      else if (OB_IS_PROVISION_PAGE (other))
        ob_provision_page_set_services (OB_PROVISION_PAGE (other), services);
    }
}

/* The CIRA listener is replaced when it moves to a new port or starts
 * again: the devices page shows the current one. */
static void
on_services_mps_changed (ObWindow   *self,
                         GParamSpec *pspec,
                         ObServices *services)
{
  ObDevicesPage *page = OB_DEVICES_PAGE (ob_window_get_page (self, "devices"));

  if (page != NULL)
    ob_devices_page_set_mps_server (page, ob_services_get_mps_server (services));
}

static void
ob_window_retry_cira (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  ObWindow *self = OB_WINDOW (widget);

  if (self->services != NULL)
    ob_services_retry_mps (self->services);
}

/* "application" is set after construction; the pages learn about the
 * services from it then. */
static void
on_application_changed (ObWindow   *self,
                        GParamSpec *pspec,
                        gpointer    user_data)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));
  GtkWidget *devices = ob_window_get_page (self, "devices");

  if (!OB_IS_APPLICATION (app) || self->services != NULL)
    return;

  ob_devices_page_set_demo_available (OB_DEVICES_PAGE (devices),
                                      g_action_map_lookup_action (G_ACTION_MAP (app), "try-demo") != NULL);

  self->services = ob_application_get_services (OB_APPLICATION (app));
  if (self->services == NULL)
    return;

  g_object_ref (self->services);
  g_signal_connect_object (self->services, "notify::state",
                           G_CALLBACK (on_services_state_changed), self, G_CONNECT_SWAPPED);
  on_services_state_changed (self, NULL, self->services);
  g_signal_connect_object (self->services, "notify::mps-server",
                           G_CALLBACK (on_services_mps_changed), self, G_CONNECT_SWAPPED);
  on_services_mps_changed (self, NULL, self->services);
}

static void
ob_window_dispose (GObject *object)
{
  ObWindow *self = OB_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_WINDOW);
  g_clear_object (&self->settings);
  g_clear_object (&self->services);

  G_OBJECT_CLASS (ob_window_parent_class)->dispose (object);
}

static void
ob_window_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObWindow *self = OB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      g_value_set_boolean (value, ob_window_get_folded (self));
      break;

    case PROP_VISIBLE_PAGE:
      g_value_set_string (value, ob_window_get_visible_page (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_window_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ObWindow *self = OB_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VISIBLE_PAGE:
      ob_window_show_page (self, g_value_get_string (value));
      break;

    case PROP_FOLDED:
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_window_class_init (ObWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ob_window_dispose;
  object_class->get_property = ob_window_get_property;
  object_class->set_property = ob_window_set_property;

  window_class->close_request = ob_window_close_request;

  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VISIBLE_PAGE] =
    g_param_spec_string ("visible-page", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ObWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, sidebar_list);
  gtk_widget_class_bind_template_child (widget_class, ObWindow, stack);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_folded_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_stack_visible_child_changed);

  gtk_widget_class_install_action (widget_class, "win.navigate-back", NULL, ob_window_navigate_back);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", ob_window_show_page_action);
  gtk_widget_class_install_action (widget_class, "win.retry-cira", NULL, ob_window_retry_cira);
}

static void
ob_window_init (ObWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->settings = g_settings_new (APP_ID);
  ob_window_restore_state (self);

  ob_window_add_pages (self);
  ob_window_show_page (self, page_infos[0].name);

  g_signal_connect (self, "notify::application", G_CALLBACK (on_application_changed), NULL);
}

/**
 * ob_window_new:
 * @application: (nullable): the application, or %NULL for a window without
 *   one (tests)
 *
 * Returns: (transfer full): a new main window
 */
ObWindow *
ob_window_new (ObApplication *application)
{
  g_return_val_if_fail (application == NULL || OB_IS_APPLICATION (application), NULL);

  return g_object_new (OB_TYPE_WINDOW,
                       "application", application,
                       NULL);
}

/**
 * ob_window_show_page:
 * @self: an #ObWindow
 * @name: the page's name, such as "devices"
 *
 * Selects the page in the sidebar and shows it, sliding to it when the
 * window is folded.
 */
void
ob_window_show_page (ObWindow   *self,
                     const char *name)
{
  GtkListBoxRow *row;

  g_return_if_fail (OB_IS_WINDOW (self));
  g_return_if_fail (name != NULL);

  row = ob_window_find_row (self, name);
  g_return_if_fail (row != NULL);

  gtk_list_box_select_row (self->sidebar_list, row);
  gtk_stack_set_visible_child_name (self->stack, name);
  adw_leaflet_set_visible_child_name (self->leaflet, "content");
}

/**
 * ob_window_get_visible_page:
 * @self: an #ObWindow
 *
 * Returns: (nullable): the name of the page shown in the content area
 */
const char *
ob_window_get_visible_page (ObWindow *self)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

/**
 * ob_window_get_page:
 * @self: an #ObWindow
 * @name: the page's name
 *
 * Returns: (transfer none) (nullable): the page widget, or %NULL if there
 *   is no page of that name
 */
GtkWidget *
ob_window_get_page (ObWindow   *self,
                    const char *name)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return gtk_stack_get_child_by_name (self->stack, name);
}

/**
 * ob_window_get_folded:
 * @self: an #ObWindow
 *
 * Returns: whether the window is too narrow for the sidebar and the page
 *   side by side
 */
gboolean
ob_window_get_folded (ObWindow *self)
{
  g_return_val_if_fail (OB_IS_WINDOW (self), FALSE);

  return adw_leaflet_get_folded (self->leaflet);
}

/**
 * ob_window_show_error:
 * @self: an #ObWindow
 * @message: a translated sentence saying what failed
 *
 * Shows a failure the admin must know about (the database or the keyring
 * could not be used) until it is dismissed.
 */
void
ob_window_show_error (ObWindow   *self,
                      const char *message)
{
  AdwToast *toast;

  g_return_if_fail (OB_IS_WINDOW (self));
  g_return_if_fail (message != NULL);

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 0);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}
