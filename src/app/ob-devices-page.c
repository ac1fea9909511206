/* ob-devices-page.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gi18n.h>

#include "ob-devices-page.h"

struct _ObDevicesPage
{
  AdwBin parent_instance;

  GListModel *model;
  gboolean folded;

  GtkStack *stack;
  GtkListView *list_view;
};

G_DEFINE_FINAL_TYPE (ObDevicesPage, ob_devices_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_devices_page_update_state (ObDevicesPage *self)
{
  gboolean empty = self->model == NULL || g_list_model_get_n_items (self->model) == 0;

  gtk_stack_set_visible_child_name (self->stack, empty ? "empty" : "list");
}

static void
on_model_items_changed (ObDevicesPage *self,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GListModel    *model)
{
  ob_devices_page_update_state (self);
}

/* The name to show for an item: a GtkStringObject's string, or the "name"
 * property that device objects carry. */
static const char *
item_name_property (GObject *item)
{
  const char *property = GTK_IS_STRING_OBJECT (item) ? "string" : "name";
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (item), property);

  if (pspec == NULL || pspec->value_type != G_TYPE_STRING)
    return NULL;

  return property;
}

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  gpointer                  user_data)
{
  GtkWidget *box;
  GtkWidget *image;
  GtkWidget *label;

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 12);
  gtk_widget_set_margin_bottom (box, 12);

  image = gtk_image_new_from_icon_name ("computer-symbolic");
  gtk_box_append (GTK_BOX (box), image);

  label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);

  gtk_list_item_set_child (list_item, box);
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 gpointer                  user_data)
{
  GObject *item = gtk_list_item_get_item (list_item);
  GtkWidget *box = gtk_list_item_get_child (list_item);
  GtkWidget *label = gtk_widget_get_last_child (box);
  const char *property = item_name_property (item);
  GBinding *binding;

  if (property == NULL)
    {
      gtk_label_set_label (GTK_LABEL (label), _("Unnamed device"));
      return;
    }

  binding = g_object_bind_property (item, property, label, "label", G_BINDING_SYNC_CREATE);
  g_object_set_data (G_OBJECT (list_item), "ob-name-binding", binding);
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   gpointer                  user_data)
{
  GBinding *binding = g_object_steal_data (G_OBJECT (list_item), "ob-name-binding");

  if (binding != NULL)
    g_binding_unbind (binding);
}

static void
ob_devices_page_dispose (GObject *object)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_model_items_changed, self);
  g_clear_object (&self->model);

  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICES_PAGE);

  G_OBJECT_CLASS (ob_devices_page_parent_class)->dispose (object);
}

static void
ob_devices_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_devices_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (object);

  switch (prop_id)
    {
    case PROP_MODEL:
      ob_devices_page_set_model (self, g_value_get_object (value));
      break;

    case PROP_FOLDED:
      ob_devices_page_set_folded (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_devices_page_class_init (ObDevicesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_devices_page_dispose;
  object_class->get_property = ob_devices_page_get_property;
  object_class->set_property = ob_devices_page_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Set by the window while its leaflet is folded: the header then shows a
   * back button and the window controls. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-devices-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, list_view);
}

static void
ob_devices_page_init (ObDevicesPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (on_factory_setup), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_factory_bind), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_factory_unbind), NULL);
  gtk_list_view_set_factory (self->list_view, factory);

  ob_devices_page_update_state (self);
}

GtkWidget *
ob_devices_page_new (void)
{
  return g_object_new (OB_TYPE_DEVICES_PAGE, NULL);
}

/**
 * ob_devices_page_get_model:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none) (nullable): the list of devices shown
 */
GListModel *
ob_devices_page_get_model (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return self->model;
}

/**
 * ob_devices_page_set_model:
 * @self: an #ObDevicesPage
 * @model: (nullable): the devices to list
 *
 * Shows @model in the list.  While it is %NULL or empty the page shows how
 * devices arrive instead.
 */
void
ob_devices_page_set_model (ObDevicesPage *self,
                           GListModel    *model)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (OB_IS_DEVICES_PAGE (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_model_items_changed, self);

  g_set_object (&self->model, model);

  if (model != NULL)
    {
      g_signal_connect_swapped (model,
                                "items-changed",
                                G_CALLBACK (on_model_items_changed),
                                self);
      selection = gtk_no_selection_new (g_object_ref (model));
    }

  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  ob_devices_page_update_state (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

gboolean
ob_devices_page_get_folded (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), FALSE);

  return self->folded;
}

void
ob_devices_page_set_folded (ObDevicesPage *self,
                            gboolean       folded)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));

  folded = !!folded;
  if (self->folded == folded)
    return;

  self->folded = folded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}
