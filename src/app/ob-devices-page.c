/* ob-devices-page.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-add-device-dialog.h"
#include "ob-device-page.h"
#include "ob-device-presence.h"
#include "ob-device-row.h"
#include "ob-devices-page.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

/* Where a bulk action stands for one device, kept by GUID so that rows
 * recycled by the list view show the right state. */
typedef struct
{
  ObDeviceRowOperation operation;
  char *message;
} OperationState;

struct _ObDevicesPage
{
  AdwBin parent_instance;

  GListModel *model;
  ObDeviceRegistry *registry;
  ObMpsServer *mps;
  ObDevicePresence *presence;
  guint time_source;            /* the next "last seen" words change */
  guint top_tick;               /* keeps the list at its top for a few frames */
  guint top_frames;
  gboolean folded;
  gboolean selection_mode;
  gboolean demo_available;

  GtkCustomFilter *filter;
  GtkFilterListModel *filter_model;
  GtkMultiSelection *selection;
  char *search_text;   /* casefolded, NULL for none */
  char *tag;           /* NULL for every tag */
  GtkStringList *tags_model;
  gboolean updating_tags;

  GPtrArray *rows;              /* ObDeviceRow, not owned */
  GHashTable *operations;       /* guid -> OperationState */
  guint bulk_running;

  GtkWidget *device_page;

  AdwLeaflet *leaflet;
  AdwWindowTitle *window_title;
  GtkMenuButton *mps_button;
  GtkLabel *mps_status_label;
  GtkLabel *mps_count_label;
  GtkLabel *mps_error_label;
  GtkWidget *mps_popover_buttons;
  GtkRevealer *mps_banner;
  GtkLabel *mps_banner_label;
  GtkSearchBar *search_bar;
  GtkSearchEntry *search_entry;
  GtkDropDown *tag_dropdown;
  GtkStack *stack;
  GtkListView *list_view;
  GtkLabel *selection_label;
};

G_DEFINE_FINAL_TYPE (ObDevicesPage, ob_devices_page, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_MODEL,
  PROP_REGISTRY,
  PROP_MPS_SERVER,
  PROP_FOLDED,
  PROP_SELECTION_MODE,
  PROP_DEMO_AVAILABLE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
operation_state_free (gpointer data)
{
  OperationState *state = data;

  g_free (state->message);
  g_free (state);
}

static void
ob_devices_page_update_actions (ObDevicesPage *self)
{
  g_autoptr(GtkBitset) selected = NULL;

  if (self->selection == NULL)
    return;

  selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "devices.add", self->registry != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "devices.bulk-power",
                                 !gtk_bitset_is_empty (selected) && self->bulk_running == 0);
}

static void
ob_devices_page_update_selection_label (ObDevicesPage *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  guint64 n = gtk_bitset_get_size (selected);
  g_autofree char *text = NULL;

  if (n == 0)
    text = g_strdup (_("No devices selected"));
  else
    text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u device selected", "%u devices selected", (gulong) n),
                            (guint) n);

  gtk_label_set_label (self->selection_label, text);
}

static void
ob_devices_page_update_state (ObDevicesPage *self)
{
  const char *page;

  if (self->model == NULL || g_list_model_get_n_items (self->model) == 0)
    page = "empty";
  else if (g_list_model_get_n_items (G_LIST_MODEL (self->filter_model)) == 0)
    page = "no-results";
  else
    page = "list";

  gtk_stack_set_visible_child_name (self->stack, page);
}

static gboolean
device_has_tag (ObDevice   *device,
                const char *tag)
{
  const char * const *tags = ob_device_get_tags (device);

  return tags != NULL && g_strv_contains (tags, tag);
}

static gboolean
text_matches (const char *text,
              const char *needle)
{
  g_autofree char *folded = NULL;

  if (text == NULL)
    return FALSE;

  folded = g_utf8_casefold (text, -1);
  return strstr (folded, needle) != NULL;
}

static gboolean
filter_device (gpointer item,
               gpointer user_data)
{
  ObDevicesPage *self = user_data;
  ObDevice *device;
  const char * const *tags;

  if (!OB_IS_DEVICE (item))
    return FALSE;

  device = OB_DEVICE (item);

  if (self->tag != NULL && !device_has_tag (device, self->tag))
    return FALSE;

  if (self->search_text == NULL)
    return TRUE;

  if (text_matches (ob_device_get_name (device), self->search_text) ||
      text_matches (ob_device_get_host (device), self->search_text))
    return TRUE;

  tags = ob_device_get_tags (device);
  for (guint i = 0; tags != NULL && tags[i] != NULL; i++)
    {
      if (text_matches (tags[i], self->search_text))
        return TRUE;
    }

  return FALSE;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_utf8_collate (*(const char * const *) a, *(const char * const *) b);
}

/* The tag drop-down lists every tag some device has, after "All Tags". */
static void
ob_devices_page_update_tags (ObDevicesPage *self)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) tags = g_ptr_array_new ();
  g_autoptr(GtkStringList) list = NULL;
  guint selected = 0;
  guint n_items = self->model != NULL ? g_list_model_get_n_items (self->model) : 0;

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (self->model, i);
      const char * const *device_tags;

      if (!OB_IS_DEVICE (item))
        continue;

      device_tags = ob_device_get_tags (OB_DEVICE (item));
      for (guint j = 0; device_tags != NULL && device_tags[j] != NULL; j++)
        {
          if (g_hash_table_add (seen, (gpointer) device_tags[j]))
            g_ptr_array_add (tags, (gpointer) device_tags[j]);
        }
    }

  g_ptr_array_sort (tags, compare_strings);

  list = gtk_string_list_new (NULL);
  gtk_string_list_append (list, _("All Tags"));
  for (guint i = 0; i < tags->len; i++)
    {
      gtk_string_list_append (list, g_ptr_array_index (tags, i));
      if (g_strcmp0 (self->tag, g_ptr_array_index (tags, i)) == 0)
        selected = i + 1;
    }

  self->updating_tags = TRUE;
  g_set_object (&self->tags_model, list);
  gtk_drop_down_set_model (self->tag_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->tag_dropdown, selected);
  self->updating_tags = FALSE;

  gtk_widget_set_visible (GTK_WIDGET (self->tag_dropdown), tags->len > 0);

  /* The chosen tag is gone with the last device that had it. */
  if (self->tag != NULL && selected == 0)
    {
      g_clear_pointer (&self->tag, g_free);
      gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_LESS_STRICT);
    }
}

static void
on_search_changed (ObDevicesPage  *self,
                   GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->search_text, g_free);
  if (*stripped != '\0')
    self->search_text = g_utf8_casefold (stripped, -1);

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static void
on_tag_selected (ObDevicesPage *self,
                 GParamSpec    *pspec,
                 GtkDropDown   *dropdown)
{
  guint selected = gtk_drop_down_get_selected (dropdown);

  if (self->updating_tags)
    return;

  g_clear_pointer (&self->tag, g_free);
  if (selected != GTK_INVALID_LIST_POSITION && selected > 0 && self->tags_model != NULL)
    self->tag = g_strdup (gtk_string_list_get_string (self->tags_model, selected));

  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
}

/* ---- "last seen" words -------------------------------------------------- */

static void ob_devices_page_schedule_time (ObDevicesPage *self);

static gboolean
on_time_tick (gpointer user_data)
{
  ObDevicesPage *self = user_data;
  /* Timers in whole seconds may come a little early. */
  gint64 due = g_get_real_time () + G_USEC_PER_SEC;

  self->time_source = 0;

  for (guint i = 0; i < self->rows->len; i++)
    {
      ObDeviceRow *row = g_ptr_array_index (self->rows, i);
      gint64 next = ob_device_row_get_next_change (row);

      if (next > 0 && next <= due)
        ob_device_row_refresh (row);
    }

  ob_devices_page_schedule_time (self);
  return G_SOURCE_REMOVE;
}

/* One timer for every row, set for the first moment some row's words
 * change ("4 minutes ago" -> "5 minutes ago"): at most one wake-up a
 * minute while something was seen within the hour, and none at all while
 * no row shows such words. */
static void
ob_devices_page_schedule_time (ObDevicesPage *self)
{
  gint64 first = G_MAXINT64;
  gint64 delay;

  g_clear_handle_id (&self->time_source, g_source_remove);

  for (guint i = 0; i < self->rows->len; i++)
    {
      gint64 next = ob_device_row_get_next_change (g_ptr_array_index (self->rows, i));

      if (next > 0)
        first = MIN (first, next);
    }

  if (first == G_MAXINT64)
    return;

  delay = (first - g_get_real_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
  self->time_source = g_timeout_add_seconds ((guint) CLAMP (delay, 1, G_MAXUINT / 1000), on_time_tick, self);
}

static void
on_presence_changed (ObDevicesPage    *self,
                     ObDevice         *device,
                     ObDevicePresence *presence)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      ObDeviceRow *row = g_ptr_array_index (self->rows, i);

      if (ob_device_row_get_device (row) == device)
        ob_device_row_refresh (row);
    }

  ob_devices_page_schedule_time (self);
}

/* ---- the CIRA listener's status ----------------------------------------- */

static char *
describe_listener_address (ObMpsServer *mps)
{
  const char *address = ob_mps_server_get_address (mps);

  if (address == NULL)
    return NULL;

  /* IPv6 in brackets, as in a URL: "[::]:4433". */
  if (strchr (address, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address, ob_mps_server_get_port (mps));

  return g_strdup_printf ("%s:%u", address, ob_mps_server_get_port (mps));
}

static void
ob_devices_page_update_mps (ObDevicesPage *self)
{
  g_autofree char *subtitle = NULL;
  g_autofree char *status = NULL;
  g_autofree char *count = NULL;
  const char *error = NULL;
  gboolean listening = FALSE;

  if (self->mps != NULL)
    {
      g_autofree char *where = describe_listener_address (self->mps);
      guint n = ob_mps_server_get_n_connected (self->mps);

      listening = ob_mps_server_get_listening (self->mps) && where != NULL;
      error = ob_mps_server_get_last_error (self->mps);
      if (listening)
        error = NULL;

      /* Translators: the number of devices connected over CIRA */
      count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u connected", "%u connected", n), n);

      if (listening)
        {
          /* Translators: %s is where the CIRA listener listens, "0.0.0.0:4433" */
          status = g_strdup_printf (_("Listening on %s"), where);
          /* Narrow, only what changes fits. */
          if (self->folded)
            subtitle = g_strdup (count);
          else
            /* Translators: the CIRA listener's state and the number of devices
             * connected, "Listening on 0.0.0.0:4433 · 12 connected" */
            subtitle = g_strdup_printf (_("%s · %s"), status, count);
        }
      else if (error != NULL)
        {
          status = g_strdup (_("Not listening"));
          subtitle = g_strdup (self->folded ? status : _("Not listening for CIRA devices"));
        }
      else
        {
          status = g_strdup (_("Starting…"));
          subtitle = g_strdup (_("Starting the CIRA listener…"));
        }

      g_clear_pointer (&count, g_free);
      count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%u device connected over CIRA",
                                            "%u devices connected over CIRA", n),
                               n);
    }

  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
  /* Narrow, the header has no room for it; the subtitle and the banner
   * say the same. */
  gtk_widget_set_visible (GTK_WIDGET (self->mps_button), self->mps != NULL && !self->folded);
  gtk_label_set_label (self->mps_status_label, status != NULL ? status : "");
  gtk_label_set_label (self->mps_count_label, count != NULL ? count : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mps_count_label), listening);
  gtk_label_set_label (self->mps_error_label, error != NULL ? error : "");
  gtk_widget_set_visible (GTK_WIDGET (self->mps_error_label), error != NULL);
  gtk_widget_set_visible (self->mps_popover_buttons, error != NULL);
  gtk_label_set_label (self->mps_banner_label, error != NULL ? error : "");
  gtk_revealer_set_reveal_child (self->mps_banner, error != NULL);

  gtk_menu_button_set_icon_name (self->mps_button, error != NULL ? "dialog-warning-symbolic"
                                                                 : "network-server-symbolic");
  if (error != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->mps_button), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->mps_button), "error");
}

static void
on_mps_notify (ObDevicesPage *self,
               GParamSpec    *pspec,
               ObMpsServer   *mps)
{
  const char *name = g_param_spec_get_name (pspec);

  /* n-connections moves with every connection attempt; what is shown
   * does not depend on it. */
  if (g_str_equal (name, "listening") || g_str_equal (name, "address") ||
      g_str_equal (name, "port") || g_str_equal (name, "n-connected") ||
      g_str_equal (name, "last-error"))
    ob_devices_page_update_mps (self);
}

static void
ob_devices_page_apply_operation (ObDevicesPage *self,
                                 ObDeviceRow   *row)
{
  ObDevice *device = ob_device_row_get_device (row);
  OperationState *state = NULL;

  if (device != NULL)
    state = g_hash_table_lookup (self->operations, ob_device_get_guid (device));

  if (state != NULL)
    ob_device_row_set_operation (row, state->operation, state->message);
  else
    ob_device_row_set_operation (row, OB_DEVICE_ROW_OPERATION_NONE, NULL);
}

static void
ob_devices_page_set_operation (ObDevicesPage        *self,
                               ObDevice             *device,
                               ObDeviceRowOperation  operation,
                               const char           *message)
{
  OperationState *state = g_new0 (OperationState, 1);

  state->operation = operation;
  state->message = g_strdup (message);
  g_hash_table_replace (self->operations, g_strdup (ob_device_get_guid (device)), state);

  for (guint i = 0; i < self->rows->len; i++)
    {
      ObDeviceRow *row = g_ptr_array_index (self->rows, i);

      if (ob_device_row_get_device (row) == device)
        ob_devices_page_apply_operation (self, row);
    }
}

static void
ob_devices_page_clear_operations (ObDevicesPage *self)
{
  g_hash_table_remove_all (self->operations);

  for (guint i = 0; i < self->rows->len; i++)
    ob_devices_page_apply_operation (self, g_ptr_array_index (self->rows, i));
}

static void
on_row_finalized (gpointer  data,
                  GObject  *where_the_object_was)
{
  ObDevicesPage *self = data;

  g_ptr_array_remove_fast (self->rows, where_the_object_was);
}

static void
on_row_selected_changed (GtkListItem *list_item,
                         GParamSpec  *pspec,
                         ObDeviceRow *row)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (gtk_widget_get_ancestor (GTK_WIDGET (row), OB_TYPE_DEVICES_PAGE));
  GtkSelectionModel *model;
  guint position = gtk_list_item_get_position (list_item);
  gboolean wanted = ob_device_row_get_selected (row);

  if (self == NULL || position == GTK_INVALID_LIST_POSITION)
    return;

  /* The user ticked the row's check button: make the list's selection
   * follow.  The selection then notifies the list item, which sets the
   * same value back and stops here. */
  model = GTK_SELECTION_MODEL (self->selection);
  if (gtk_selection_model_is_selected (model, position) == wanted)
    return;

  if (wanted)
    gtk_selection_model_select_item (model, position, FALSE);
  else
    gtk_selection_model_unselect_item (model, position);
}

static void
on_factory_setup (GtkSignalListItemFactory *factory,
                  GtkListItem              *list_item,
                  ObDevicesPage            *self)
{
  GtkWidget *row = ob_device_row_new ();

  /* Selection is by the check buttons in selection mode, never by a plain
   * click, which opens the device instead. */
  gtk_list_item_set_selectable (list_item, FALSE);
  gtk_list_item_set_child (list_item, row);

  ob_device_row_set_presence (OB_DEVICE_ROW (row), self->presence);
  g_object_bind_property (self, "selection-mode", row, "selection-mode", G_BINDING_SYNC_CREATE);
  g_object_bind_property (list_item, "selected", row, "selected", G_BINDING_SYNC_CREATE);
  g_signal_connect_object (row, "notify::selected", G_CALLBACK (on_row_selected_changed),
                           list_item, G_CONNECT_SWAPPED);

  g_ptr_array_add (self->rows, row);
  g_object_weak_ref (G_OBJECT (row), on_row_finalized, self);
}

static void
on_factory_bind (GtkSignalListItemFactory *factory,
                 GtkListItem              *list_item,
                 ObDevicesPage            *self)
{
  ObDeviceRow *row = OB_DEVICE_ROW (gtk_list_item_get_child (list_item));
  GObject *item = gtk_list_item_get_item (list_item);

  ob_device_row_set_device (row, OB_IS_DEVICE (item) ? OB_DEVICE (item) : NULL);
  ob_device_row_set_selected (row, gtk_list_item_get_selected (list_item));
  ob_devices_page_apply_operation (self, row);
  ob_devices_page_schedule_time (self);
}

static void
on_factory_unbind (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   ObDevicesPage            *self)
{
  ob_device_row_set_device (OB_DEVICE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static void
ob_devices_page_leave_device_page (ObDevicesPage *self)
{
  if (self->device_page == NULL)
    return;

  if (adw_leaflet_get_visible_child (self->leaflet) == self->device_page)
    adw_leaflet_set_visible_child_name (self->leaflet, "list");
}

static void
on_model_items_changed (ObDevicesPage *self,
                        guint          position,
                        guint          removed,
                        guint          added,
                        GListModel    *model)
{
  ob_devices_page_update_tags (self);
  ob_devices_page_update_state (self);

  /* The device shown was removed (here or through the API). */
  if (removed > 0 && self->device_page != NULL)
    {
      ObDevice *device = ob_device_page_get_device (OB_DEVICE_PAGE (self->device_page));
      gboolean present = FALSE;

      for (guint i = 0; i < g_list_model_get_n_items (model) && !present; i++)
        {
          g_autoptr(GObject) item = g_list_model_get_item (model, i);

          present = item == (GObject *) device;
        }

      if (!present)
        ob_devices_page_leave_device_page (self);
    }
}

static gboolean
keep_list_at_top (GtkWidget     *widget,
                  GdkFrameClock *frame_clock,
                  gpointer       user_data)
{
  ObDevicesPage *self = user_data;
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (widget));

  if (adjustment != NULL)
    gtk_adjustment_set_value (adjustment, 0);

  if (++self->top_frames < 3)
    return G_SOURCE_CONTINUE;

  self->top_tick = 0;
  return G_SOURCE_REMOVE;
}

static void
on_filter_items_changed (ObDevicesPage *self,
                         guint          position,
                         guint          removed,
                         guint          added,
                         GListModel    *model)
{
  GtkAdjustment *adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (self->list_view));

  /* The list keeps the first row shown where it is when devices sort in
   * above it, which is right while scrolled down; at the very top (a
   * window that just opened while CIRA devices call in) the top should
   * stay the top. */
  if (added > 0 && adjustment != NULL && gtk_adjustment_get_value (adjustment) <= 0)
    {
      self->top_frames = 0;
      if (self->top_tick == 0)
        self->top_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self->list_view), keep_list_at_top, self, NULL);
    }

  ob_devices_page_update_state (self);
  ob_devices_page_update_selection_label (self);
  ob_devices_page_update_actions (self);
}

static void
on_selection_changed (ObDevicesPage     *self,
                      guint              position,
                      guint              n_items,
                      GtkSelectionModel *model)
{
  ob_devices_page_update_selection_label (self);
  ob_devices_page_update_actions (self);
}

static void
on_list_activate (ObDevicesPage *self,
                  guint          position,
                  GtkListView   *list_view)
{
  GtkSelectionModel *model = GTK_SELECTION_MODEL (self->selection);
  g_autoptr(GObject) item = NULL;

  if (self->selection_mode)
    {
      if (gtk_selection_model_is_selected (model, position))
        gtk_selection_model_unselect_item (model, position);
      else
        gtk_selection_model_select_item (model, position, FALSE);
      return;
    }

  item = g_list_model_get_item (G_LIST_MODEL (model), position);
  if (OB_IS_DEVICE (item))
    ob_devices_page_show_device (self, OB_DEVICE (item));
}

static void
on_leaflet_transition_changed (ObDevicesPage *self,
                               GParamSpec    *pspec,
                               AdwLeaflet    *leaflet)
{
  GtkWidget *page = self->device_page;

  /* Drop the device page once the slide back to the list is over, so it
   * stops its requests and lets the device go. */
  if (page == NULL ||
      adw_leaflet_get_child_transition_running (leaflet) ||
      adw_leaflet_get_visible_child (leaflet) == page)
    return;

  self->device_page = NULL;
  adw_leaflet_remove (leaflet, page);
}

static void
on_device_added (ObDevicesPage       *self,
                 ObDevice            *device,
                 ObAddDeviceDialog   *dialog)
{
  g_autofree char *message = g_strdup_printf (_("“%s” added"), ob_device_get_name (device));

  ob_widget_show_toast (GTK_WIDGET (self), message);
}

static void
ob_devices_page_add_action (GtkWidget  *widget,
                            const char *action_name,
                            GVariant   *param)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (widget);
  GtkWidget *dialog;

  if (self->registry == NULL)
    return;

  dialog = ob_add_device_dialog_new (self->registry);
  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (gtk_widget_get_root (widget)));
  gtk_window_set_modal (GTK_WINDOW (dialog), TRUE);
  g_signal_connect_object (dialog, "device-added", G_CALLBACK (on_device_added), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Escape leaves selection mode, then the search. */
static void
ob_devices_page_leave_mode_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *param)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (widget);

  if (self->selection_mode)
    ob_devices_page_set_selection_mode (self, FALSE);
  else if (gtk_search_bar_get_search_mode (self->search_bar))
    gtk_search_bar_set_search_mode (self->search_bar, FALSE);
}

static void
ob_devices_page_search_action (GtkWidget  *widget,
                               const char *action_name,
                               GVariant   *param)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
ob_devices_page_back_action (GtkWidget  *widget,
                             const char *action_name,
                             GVariant   *param)
{
  ob_devices_page_leave_device_page (OB_DEVICES_PAGE (widget));
}

typedef struct
{
  ObDevicesPage *self;
  int action;
  guint total;
  guint pending;
  guint failed;
  char *first_error;
} BulkRun;

typedef struct
{
  BulkRun *run;
  ObDevice *device;
} BulkItem;

static void
bulk_run_finish (BulkRun *run)
{
  ObDevicesPage *self = run->self;
  const ObPowerActionInfo *info = ob_power_actions_lookup (run->action);
  const char *label = info != NULL ? _(info->label) : "";
  g_autofree char *message = NULL;

  if (run->failed == 0)
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s: done on %u device",
                                            "%s: done on %u devices", run->total),
                               label, run->total);
  else if (run->failed == 1 && run->total == 1)
    message = g_strdup_printf (_("%s failed: %s"), label, run->first_error);
  else
    message = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s failed on %u of %u device",
                                            "%s failed on %u of %u devices", run->total),
                               label, run->failed, run->total);

  self->bulk_running--;
  /* The window may have closed while the devices answered. */
  if (self->selection != NULL)
    {
      ob_devices_page_update_actions (self);
      ob_widget_show_toast (GTK_WIDGET (self), message);
    }

  g_free (run->first_error);
  g_object_unref (run->self);
  g_free (run);
}

static void
on_bulk_item_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  BulkItem *item = user_data;
  BulkRun *run = item->run;
  g_autoptr(GError) error = NULL;

  if (ob_power_action_run_finish (result, &error))
    {
      ob_devices_page_set_operation (run->self, item->device, OB_DEVICE_ROW_OPERATION_SUCCEEDED, NULL);
    }
  else
    {
      g_autofree char *message = ob_describe_device_error (error);

      run->failed++;
      if (run->first_error == NULL)
        run->first_error = g_strdup (message);
      ob_devices_page_set_operation (run->self, item->device, OB_DEVICE_ROW_OPERATION_FAILED, message);
    }

  g_object_unref (item->device);
  g_free (item);

  if (--run->pending == 0)
    bulk_run_finish (run);
}

static void
ob_devices_page_start_bulk (ObDevicesPage *self,
                            int            action,
                            GPtrArray     *devices)
{
  BulkRun *run;

  if (devices->len == 0)
    return;

  ob_devices_page_clear_operations (self);

  run = g_new0 (BulkRun, 1);
  run->self = g_object_ref (self);
  run->action = action;
  run->total = devices->len;
  run->pending = devices->len;

  self->bulk_running++;
  ob_devices_page_update_actions (self);

  for (guint i = 0; i < devices->len; i++)
    {
      BulkItem *item = g_new0 (BulkItem, 1);

      item->run = run;
      item->device = g_object_ref (g_ptr_array_index (devices, i));
      ob_devices_page_set_operation (self, item->device, OB_DEVICE_ROW_OPERATION_RUNNING, NULL);
      ob_power_action_run_async (item->device, action, NULL, on_bulk_item_done, item);
    }
}

static GPtrArray *
ob_devices_page_dup_selected_devices (ObDevicesPage *self)
{
  g_autoptr(GtkBitset) selected = gtk_selection_model_get_selection (GTK_SELECTION_MODEL (self->selection));
  GPtrArray *devices = g_ptr_array_new_with_free_func (g_object_unref);
  GtkBitsetIter iter;
  guint position;

  for (gboolean ok = gtk_bitset_iter_init_first (&iter, selected, &position);
       ok;
       ok = gtk_bitset_iter_next (&iter, &position))
    {
      GObject *item = g_list_model_get_item (G_LIST_MODEL (self->selection), position);

      if (OB_IS_DEVICE (item))
        g_ptr_array_add (devices, item);
      else
        g_clear_object (&item);
    }

  return devices;
}

static void
on_bulk_confirm_response (AdwMessageDialog *dialog,
                          const char       *response,
                          ObDevicesPage    *self)
{
  GPtrArray *devices = g_object_get_data (G_OBJECT (dialog), "ob-devices");
  int action = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ob-action"));

  if (g_strcmp0 (response, "run") == 0)
    ob_devices_page_start_bulk (self, action, devices);
}

void
ob_devices_page_run_bulk_action (ObDevicesPage *self,
                                 int            action)
{
  const ObPowerActionInfo *info;
  g_autoptr(GPtrArray) devices = NULL;
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  g_return_if_fail (OB_IS_DEVICES_PAGE (self));

  info = ob_power_actions_lookup (action);
  g_return_if_fail (info != NULL);

  if (self->bulk_running > 0)
    return;

  devices = ob_devices_page_dup_selected_devices (self);
  if (devices->len == 0)
    return;

  if (info->confirm_body == NULL)
    {
      ob_devices_page_start_bulk (self, action, devices);
      return;
    }

  /* Translators: the heading of a confirmation, e.g. "Power Off 3 Devices?" */
  heading = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%s %u Device?", "%s %u Devices?", devices->len),
                             _(info->label), devices->len);
  dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                   heading, _(info->confirm_body));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "run", _(info->label),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "run",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "ob-devices", g_steal_pointer (&devices),
                          (GDestroyNotify) g_ptr_array_unref);
  g_object_set_data (G_OBJECT (dialog), "ob-action", GINT_TO_POINTER (action));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_bulk_confirm_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ob_devices_page_bulk_power_action (GtkWidget  *widget,
                                   const char *action_name,
                                   GVariant   *param)
{
  ob_devices_page_run_bulk_action (OB_DEVICES_PAGE (widget), g_variant_get_int32 (param));
}

static void
ob_devices_page_dispose (GObject *object)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (object);

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_model_items_changed, self);
  g_clear_object (&self->model);
  g_clear_object (&self->registry);
  if (self->mps != NULL)
    g_signal_handlers_disconnect_by_func (self->mps, on_mps_notify, self);
  g_clear_object (&self->mps);
  g_clear_handle_id (&self->time_source, g_source_remove);
  if (self->top_tick != 0 && self->list_view != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->list_view), self->top_tick);
  self->top_tick = 0;
  if (self->presence != NULL)
    {
      g_signal_handlers_disconnect_by_func (self->presence, on_presence_changed, self);
      ob_device_presence_set_model (self->presence, NULL);
    }
  g_clear_object (&self->presence);

  for (guint i = 0; i < self->rows->len; i++)
    g_object_weak_unref (g_ptr_array_index (self->rows, i), on_row_finalized, self);
  g_ptr_array_set_size (self->rows, 0);

  self->device_page = NULL;
  /* The template's root is also a bound child, which dispose_template
   * unparents; AdwBin must let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICES_PAGE);

  g_clear_object (&self->selection);
  g_clear_object (&self->filter_model);
  g_clear_object (&self->tags_model);

  G_OBJECT_CLASS (ob_devices_page_parent_class)->dispose (object);
}

static void
ob_devices_page_finalize (GObject *object)
{
  ObDevicesPage *self = OB_DEVICES_PAGE (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  g_clear_pointer (&self->operations, g_hash_table_unref);
  g_clear_pointer (&self->search_text, g_free);
  g_clear_pointer (&self->tag, g_free);

  G_OBJECT_CLASS (ob_devices_page_parent_class)->finalize (object);
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

    case PROP_REGISTRY:
      g_value_set_object (value, self->registry);
      break;

    case PROP_MPS_SERVER:
      g_value_set_object (value, self->mps);
      break;

    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;

    case PROP_SELECTION_MODE:
      g_value_set_boolean (value, self->selection_mode);
      break;

    case PROP_DEMO_AVAILABLE:
      g_value_set_boolean (value, self->demo_available);
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

    case PROP_REGISTRY:
      ob_devices_page_set_registry (self, g_value_get_object (value));
      break;

    case PROP_MPS_SERVER:
      ob_devices_page_set_mps_server (self, g_value_get_object (value));
      break;

    case PROP_FOLDED:
      ob_devices_page_set_folded (self, g_value_get_boolean (value));
      break;

    case PROP_SELECTION_MODE:
      ob_devices_page_set_selection_mode (self, g_value_get_boolean (value));
      break;

    case PROP_DEMO_AVAILABLE:
      ob_devices_page_set_demo_available (self, g_value_get_boolean (value));
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
  object_class->finalize = ob_devices_page_finalize;
  object_class->get_property = ob_devices_page_get_property;
  object_class->set_property = ob_devices_page_set_property;

  properties[PROP_MODEL] =
    g_param_spec_object ("model", NULL, NULL,
                         G_TYPE_LIST_MODEL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Setting the registry also shows it as the model and enables adding
   * devices. */
  properties[PROP_REGISTRY] =
    g_param_spec_object ("registry", NULL, NULL,
                         OB_TYPE_DEVICE_REGISTRY,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* The CIRA listener whose status the header shows (its address and
   * port, how many devices are connected, why it does not listen). */
  properties[PROP_MPS_SERVER] =
    g_param_spec_object ("mps-server", NULL, NULL,
                         OB_TYPE_MPS_SERVER,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Set by the window while its leaflet is folded: the header then shows a
   * back button and the window controls. */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_SELECTION_MODE] =
    g_param_spec_boolean ("selection-mode", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /* Whether the empty state offers the demo (the app has an
   * "app.try-demo" action). */
  properties[PROP_DEMO_AVAILABLE] =
    g_param_spec_boolean ("demo-available", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (OB_TYPE_DEVICE_ROW);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-devices-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, leaflet);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, window_title);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_button);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_status_label);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_count_label);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_error_label);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_popover_buttons);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_banner);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, mps_banner_label);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, search_bar);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, tag_dropdown);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, list_view);
  gtk_widget_class_bind_template_child (widget_class, ObDevicesPage, selection_label);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_tag_selected);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_transition_changed);

  gtk_widget_class_install_action (widget_class, "devices.add", NULL, ob_devices_page_add_action);
  gtk_widget_class_install_action (widget_class, "devices.leave-mode", NULL, ob_devices_page_leave_mode_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "devices.leave-mode", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "devices.search", NULL);
  gtk_widget_class_install_action (widget_class, "devices.search", NULL, ob_devices_page_search_action);
  gtk_widget_class_install_action (widget_class, "devices.back", NULL, ob_devices_page_back_action);
  gtk_widget_class_install_action (widget_class, "devices.bulk-power", "i", ob_devices_page_bulk_power_action);
}

static void
ob_devices_page_init (ObDevicesPage *self)
{
  g_autoptr(GtkListItemFactory) factory = NULL;
  GtkStringSorter *sorter;
  GtkSortListModel *sort_model;

  self->rows = g_ptr_array_new ();
  self->operations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, operation_state_free);
  self->presence = ob_device_presence_new ();
  g_signal_connect_swapped (self->presence, "changed", G_CALLBACK (on_presence_changed), self);

  gtk_widget_init_template (GTK_WIDGET (self));

  self->filter = gtk_custom_filter_new (filter_device, self, NULL);
  self->filter_model = gtk_filter_list_model_new (NULL, GTK_FILTER (self->filter));
  /* By name, whatever order the devices were added or called in. */
  sorter = gtk_string_sorter_new (gtk_property_expression_new (OB_TYPE_DEVICE, NULL, "name"));
  sort_model = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->filter_model)), GTK_SORTER (sorter));
  self->selection = gtk_multi_selection_new (G_LIST_MODEL (sort_model));
  g_signal_connect_object (self->filter_model, "items-changed",
                           G_CALLBACK (on_filter_items_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->selection, "selection-changed",
                           G_CALLBACK (on_selection_changed), self, G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect_object (factory, "setup", G_CALLBACK (on_factory_setup), self, 0);
  g_signal_connect_object (factory, "bind", G_CALLBACK (on_factory_bind), self, 0);
  g_signal_connect_object (factory, "unbind", G_CALLBACK (on_factory_unbind), self, 0);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));

  ob_devices_page_update_tags (self);
  ob_devices_page_update_state (self);
  ob_devices_page_update_selection_label (self);
  ob_devices_page_update_actions (self);
  ob_devices_page_update_mps (self);
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
 * @model: (nullable): the devices to list, a model of #ObDevice
 *
 * Shows @model in the list.  While it is %NULL or empty the page shows how
 * devices arrive instead.
 */
void
ob_devices_page_set_model (ObDevicesPage *self,
                           GListModel    *model)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));
  g_return_if_fail (model == NULL || G_IS_LIST_MODEL (model));

  if (self->model == model)
    return;

  if (self->model != NULL)
    g_signal_handlers_disconnect_by_func (self->model, on_model_items_changed, self);

  g_set_object (&self->model, model);

  if (model != NULL)
    g_signal_connect_swapped (model, "items-changed", G_CALLBACK (on_model_items_changed), self);

  /* Before the rows see the devices, so they find what it knows. */
  ob_device_presence_set_model (self->presence, model);
  gtk_filter_list_model_set_model (self->filter_model, model);
  ob_devices_page_update_tags (self);
  ob_devices_page_update_state (self);
  ob_devices_page_leave_device_page (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODEL]);
}

/**
 * ob_devices_page_get_registry:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none) (nullable): the registry devices are added to
 */
ObDeviceRegistry *
ob_devices_page_get_registry (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return self->registry;
}

void
ob_devices_page_set_registry (ObDevicesPage    *self,
                              ObDeviceRegistry *registry)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));
  g_return_if_fail (registry == NULL || OB_IS_DEVICE_REGISTRY (registry));

  if (!g_set_object (&self->registry, registry))
    return;

  ob_devices_page_set_model (self, G_LIST_MODEL (registry));
  ob_devices_page_update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REGISTRY]);
}

/**
 * ob_devices_page_get_mps_server:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none) (nullable): the CIRA listener shown
 */
ObMpsServer *
ob_devices_page_get_mps_server (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return self->mps;
}

void
ob_devices_page_set_mps_server (ObDevicesPage *self,
                                ObMpsServer   *mps)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));
  g_return_if_fail (mps == NULL || OB_IS_MPS_SERVER (mps));

  if (self->mps == mps)
    return;

  if (self->mps != NULL)
    g_signal_handlers_disconnect_by_func (self->mps, on_mps_notify, self);
  g_set_object (&self->mps, mps);
  if (mps != NULL)
    g_signal_connect_object (mps, "notify", G_CALLBACK (on_mps_notify), self, G_CONNECT_SWAPPED);

  ob_devices_page_update_mps (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MPS_SERVER]);
}

/**
 * ob_devices_page_get_mps_status:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none): the CIRA listener's status as the header
 *   shows it ("Listening on 0.0.0.0:4433 · 12 connected"); empty without
 *   a listener
 */
const char *
ob_devices_page_get_mps_status (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return adw_window_title_get_subtitle (self->window_title);
}

/**
 * ob_devices_page_get_mps_error:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none) (nullable): why the CIRA listener does not
 *   listen, as the banner above the list says it; %NULL while it listens
 */
const char *
ob_devices_page_get_mps_error (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  if (!gtk_revealer_get_reveal_child (self->mps_banner))
    return NULL;

  return gtk_label_get_label (self->mps_banner_label);
}

/**
 * ob_devices_page_get_presence:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none): when the page's CIRA devices were last seen
 */
ObDevicePresence *
ob_devices_page_get_presence (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return self->presence;
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
  ob_devices_page_update_mps (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

gboolean
ob_devices_page_get_selection_mode (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), FALSE);

  return self->selection_mode;
}

void
ob_devices_page_set_selection_mode (ObDevicesPage *self,
                                    gboolean       selection_mode)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));

  selection_mode = !!selection_mode;
  if (self->selection_mode == selection_mode)
    return;

  self->selection_mode = selection_mode;

  /* Leaving selection mode forgets the selection and the results of the
   * last bulk action (unless one is still running). */
  if (!selection_mode)
    {
      gtk_selection_model_unselect_all (GTK_SELECTION_MODEL (self->selection));
      if (self->bulk_running == 0)
        ob_devices_page_clear_operations (self);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTION_MODE]);
}

gboolean
ob_devices_page_get_demo_available (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), FALSE);

  return self->demo_available;
}

void
ob_devices_page_set_demo_available (ObDevicesPage *self,
                                    gboolean       demo_available)
{
  g_return_if_fail (OB_IS_DEVICES_PAGE (self));

  demo_available = !!demo_available;
  if (self->demo_available == demo_available)
    return;

  self->demo_available = demo_available;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO_AVAILABLE]);
}

/**
 * ob_devices_page_get_selection:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none): the filtered list with its selection
 */
GtkSelectionModel *
ob_devices_page_get_selection (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return GTK_SELECTION_MODEL (self->selection);
}

GtkWidget *
ob_devices_page_show_device (ObDevicesPage *self,
                             ObDevice      *device)
{
  AdwLeafletPage *page;

  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);
  g_return_val_if_fail (device == NULL || OB_IS_DEVICE (device), NULL);

  if (device == NULL)
    {
      ob_devices_page_leave_device_page (self);
      return NULL;
    }

  if (self->device_page != NULL)
    {
      GtkWidget *old = g_steal_pointer (&self->device_page);

      adw_leaflet_remove (self->leaflet, old);
    }

  self->device_page = ob_device_page_new (device, self->registry);
  g_object_bind_property (self, "folded", self->device_page, "folded", G_BINDING_SYNC_CREATE);
  page = adw_leaflet_append (self->leaflet, self->device_page);
  adw_leaflet_page_set_name (page, "device");
  adw_leaflet_set_visible_child (self->leaflet, self->device_page);

  return self->device_page;
}

/**
 * ob_devices_page_get_device_page:
 * @self: an #ObDevicesPage
 *
 * Returns: (transfer none) (nullable): the device page while it is shown
 */
GtkWidget *
ob_devices_page_get_device_page (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), NULL);

  return self->device_page;
}

gboolean
ob_devices_page_get_bulk_running (ObDevicesPage *self)
{
  g_return_val_if_fail (OB_IS_DEVICES_PAGE (self), FALSE);

  return self->bulk_running > 0;
}
