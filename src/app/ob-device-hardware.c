/* ob-device-hardware.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "ob-amt-hardware.h"
#include "ob-device-hardware.h"
#include "ob-power-actions.h"
#include "ob-ui-util.h"

typedef enum
{
  FORMAT_TEXT,
  FORMAT_MHZ,
  FORMAT_BYTES,
  FORMAT_KILOBYTES,
  FORMAT_DATE,
} FieldFormat;

typedef struct
{
  const char *member;
  const char *label;
  FieldFormat format;
} Field;

typedef struct
{
  const char *class_name;
  const Field *fields;
} ClassFields;

struct _ObDeviceHardware
{
  AdwBin parent_instance;

  ObDevice *device;
  GCancellable *cancellable;
  gboolean requested;
  GPtrArray *groups;   /* AdwPreferencesGroup in the page */

  GtkStack *stack;
  AdwStatusPage *error_page;
  AdwPreferencesPage *page;
};

G_DEFINE_FINAL_TYPE (ObDeviceHardware, ob_device_hardware, ADW_TYPE_BIN)

enum {
  PROP_0,
  PROP_DEVICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const Field chassis_fields[] = {
  { "Manufacturer", N_("Manufacturer"), FORMAT_TEXT },
  { "Model", N_("Model"), FORMAT_TEXT },
  { "SerialNumber", N_("Serial Number"), FORMAT_TEXT },
  { "Version", N_("Version"), FORMAT_TEXT },
  { NULL }
};

static const Field system_package_fields[] = {
  { "PlatformGUID", N_("Platform GUID"), FORMAT_TEXT },
  { NULL }
};

static const Field card_fields[] = {
  { "Manufacturer", N_("Manufacturer"), FORMAT_TEXT },
  { "Model", N_("Product"), FORMAT_TEXT },
  { "SerialNumber", N_("Serial Number"), FORMAT_TEXT },
  { "Version", N_("Version"), FORMAT_TEXT },
  { NULL }
};

static const Field bios_fields[] = {
  { "Manufacturer", N_("Manufacturer"), FORMAT_TEXT },
  { "Version", N_("Version"), FORMAT_TEXT },
  { "ReleaseDate", N_("Release Date"), FORMAT_DATE },
  { NULL }
};

static const Field chip_fields[] = {
  { "Version", N_("Model"), FORMAT_TEXT },
  { "Manufacturer", N_("Manufacturer"), FORMAT_TEXT },
  { NULL }
};

static const Field processor_fields[] = {
  { "CurrentClockSpeed", N_("Speed"), FORMAT_MHZ },
  { "MaxClockSpeed", N_("Maximum Speed"), FORMAT_MHZ },
  { "ExternalBusClockSpeed", N_("Bus Speed"), FORMAT_MHZ },
  { NULL }
};

static const Field memory_fields[] = {
  { "Capacity", N_("Capacity"), FORMAT_BYTES },
  { "Speed", N_("Speed"), FORMAT_MHZ },
  { "Manufacturer", N_("Manufacturer"), FORMAT_TEXT },
  { "PartNumber", N_("Part Number"), FORMAT_TEXT },
  { "SerialNumber", N_("Serial Number"), FORMAT_TEXT },
  { NULL }
};

static const Field storage_fields[] = {
  { "MaxMediaSize", N_("Capacity"), FORMAT_KILOBYTES },
  { "DeviceID", N_("Device"), FORMAT_TEXT },
  { "ElementName", N_("Name"), FORMAT_TEXT },
  { NULL }
};

/* Groups of one instance each, merged from several classes. */
static const ClassFields system_classes[] = {
  { "CIM_Chassis", chassis_fields },
  { "CIM_ComputerSystemPackage", system_package_fields },
  { NULL }
};

static const ClassFields board_classes[] = {
  { "CIM_Card", card_fields },
  { NULL }
};

static const ClassFields bios_classes[] = {
  { "CIM_BIOSElement", bios_fields },
  { NULL }
};

static const ClassFields processor_classes[] = {
  { "CIM_Chip", chip_fields },
  { "CIM_Processor", processor_fields },
  { NULL }
};

/* Collects the instances of a class from the hardwareInfo JSON: the Get
 * classes carry theirs in "response", the enumerated ones in "responses",
 * possibly nested one array deep. */
static void
collect_instances (JsonNode  *node,
                   GPtrArray *out)
{
  if (node == NULL)
    return;

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_instances (json_array_get_element (array, i), out);
    }
  else if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      /* A raw {Header, Body} reply: the instance is in the body. */
      if (json_object_has_member (object, "Body") && json_object_has_member (object, "Header"))
        return;
      g_ptr_array_add (out, object);
    }
}

static GPtrArray *
class_instances (JsonObject *info,
                 const char *class_name)
{
  GPtrArray *out = g_ptr_array_new ();
  JsonObject *klass;

  if (info == NULL || !json_object_has_member (info, class_name))
    return out;
  if (!JSON_NODE_HOLDS_OBJECT (json_object_get_member (info, class_name)))
    return out;

  klass = json_object_get_object_member (info, class_name);
  if (json_object_get_int_member_with_default (klass, "status", 200) != 200)
    return out;

  if (json_object_has_member (klass, "response") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (klass, "response")))
    collect_instances (json_object_get_member (klass, "response"), out);
  else if (json_object_has_member (klass, "responses"))
    collect_instances (json_object_get_member (klass, "responses"), out);

  return out;
}

static gboolean
parse_number (JsonObject *object,
              const char *member,
              guint64    *value)
{
  g_autofree char *text = ob_json_member_to_text (object, member);
  char *end = NULL;

  if (text == NULL || *text == '\0')
    return FALSE;

  *value = g_ascii_strtoull (text, &end, 10);
  return end != NULL && *end == '\0';
}

static char *
format_field (JsonObject  *object,
              const Field *field)
{
  guint64 number = 0;

  switch (field->format)
    {
    case FORMAT_MHZ:
      if (!parse_number (object, field->member, &number) || number == 0)
        return NULL;
      {
        g_autofree char *digits = g_strdup_printf ("%" G_GUINT64_FORMAT, number);

        /* Translators: a clock speed in megahertz, "2400 MHz" */
        return g_strdup_printf (_("%s MHz"), digits);
      }

    case FORMAT_BYTES:
      if (!parse_number (object, field->member, &number) || number == 0)
        return NULL;
      return g_format_size_full (number, G_FORMAT_SIZE_IEC_UNITS);

    case FORMAT_KILOBYTES:
      if (!parse_number (object, field->member, &number) || number == 0)
        return NULL;
      return g_format_size (number * 1000);

    case FORMAT_DATE:
      {
        JsonNode *node = json_object_has_member (object, field->member) ?
                         json_object_get_member (object, field->member) : NULL;
        g_autofree char *text = NULL;

        /* CIM dates come as {"Datetime": "…"}. */
        if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
          text = ob_json_member_to_text (json_node_get_object (node), "Datetime");
        else
          text = ob_json_member_to_text (object, field->member);

        if (text != NULL && strlen (text) >= 10 && text[4] == '-' && text[7] == '-')
          text[10] = '\0';
        return g_steal_pointer (&text);
      }

    case FORMAT_TEXT:
    default:
      {
        g_autofree char *text = ob_json_member_to_text (object, field->member);

        if (text != NULL)
          g_strstrip (text);
        if (text == NULL || *text == '\0')
          return NULL;
        return g_steal_pointer (&text);
      }
    }
}

static GtkWidget *
create_property_row (const char *label,
                     const char *value)
{
  GtkWidget *row = adw_action_row_new ();

  /* Device-supplied text: not markup. */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), label);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), value);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 3);
  gtk_widget_add_css_class (row, "ob-property");

  return row;
}

static guint
add_fields (GtkWidget   *container,
            JsonObject  *object,
            const Field *fields)
{
  guint added = 0;

  for (guint i = 0; fields[i].member != NULL; i++)
    {
      g_autofree char *value = format_field (object, &fields[i]);
      GtkWidget *row;

      if (value == NULL)
        continue;

      row = create_property_row (_(fields[i].label), value);
      if (ADW_IS_EXPANDER_ROW (container))
        adw_expander_row_add_row (ADW_EXPANDER_ROW (container), row);
      else
        adw_preferences_group_add (ADW_PREFERENCES_GROUP (container), row);
      added++;
    }

  return added;
}

static void
ob_device_hardware_clear (ObDeviceHardware *self)
{
  for (guint i = 0; i < self->groups->len; i++)
    adw_preferences_page_remove (self->page, g_ptr_array_index (self->groups, i));
  g_ptr_array_set_size (self->groups, 0);
}

static void
add_group (ObDeviceHardware *self,
           GtkWidget        *group)
{
  adw_preferences_page_add (self->page, ADW_PREFERENCES_GROUP (group));
  g_ptr_array_add (self->groups, group);
}

/* One group from the first instance of each class. */
static void
add_merged_group (ObDeviceHardware  *self,
                  JsonObject        *info,
                  const char        *title,
                  const ClassFields *classes)
{
  GtkWidget *group = adw_preferences_group_new ();
  guint added = 0;

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);

  for (guint i = 0; classes[i].class_name != NULL; i++)
    {
      g_autoptr(GPtrArray) instances = class_instances (info, classes[i].class_name);

      if (instances->len > 0)
        added += add_fields (group, g_ptr_array_index (instances, 0), classes[i].fields);
    }

  if (added > 0)
    {
      add_group (self, group);
    }
  else
    {
      g_object_ref_sink (group);
      g_object_unref (group);
    }
}

/* One group with an expander row per instance (memory modules, drives). */
static void
add_instances_group (ObDeviceHardware *self,
                     JsonObject       *info,
                     const char       *title,
                     const char       *class_name,
                     const char       *name_member,
                     const Field      *fields,
                     const Field      *summary_field)
{
  g_autoptr(GPtrArray) instances = class_instances (info, class_name);
  GtkWidget *group;
  guint added = 0;

  if (instances->len == 0)
    return;

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), title);

  for (guint i = 0; i < instances->len; i++)
    {
      JsonObject *instance = g_ptr_array_index (instances, i);
      g_autofree char *name = ob_json_member_to_text (instance, name_member);
      g_autofree char *summary = format_field (instance, summary_field);
      GtkWidget *expander = adw_expander_row_new ();

      if (name == NULL || *name == '\0')
        {
          g_free (name);
          /* Translators: an unnamed memory module or drive, "Slot 2" */
          name = g_strdup_printf (_("Slot %u"), i + 1);
        }

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), name);
      if (summary != NULL)
        adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), summary);

      if (add_fields (expander, instance, fields) > 0)
        {
          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), expander);
          added++;
        }
      else
        {
          g_object_ref_sink (expander);
          g_object_unref (expander);
        }
    }

  if (added > 0)
    {
      add_group (self, group);
    }
  else
    {
      g_object_ref_sink (group);
      g_object_unref (group);
    }
}

static void
ob_device_hardware_show (ObDeviceHardware *self,
                         JsonNode         *node)
{
  JsonObject *info = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;

  ob_device_hardware_clear (self);

  add_merged_group (self, info, _("System"), system_classes);
  add_merged_group (self, info, _("Board"), board_classes);
  add_merged_group (self, info, _("BIOS"), bios_classes);
  add_merged_group (self, info, _("Processor"), processor_classes);
  add_instances_group (self, info, _("Memory"), "CIM_PhysicalMemory", "BankLabel",
                       memory_fields, &memory_fields[0]);
  add_instances_group (self, info, _("Storage"), "CIM_MediaAccessDevice", "DeviceID",
                       storage_fields, &storage_fields[0]);

  if (self->groups->len == 0)
    {
      adw_status_page_set_description (self->error_page,
                                       _("The device answered without any hardware details"));
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  gtk_stack_set_visible_child_name (self->stack, "content");
}

static void
on_hardware_read (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ObDeviceHardware) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  node = ob_amt_hardware_info_finish ((ObWsmanClient *) source, result, &error);
  ob_device_report_result (self->device, error);
  ob_device_release_busy (self->device);

  if (node == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      message = ob_describe_device_error (error);
      adw_status_page_set_description (self->error_page, message);
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  ob_device_hardware_show (self, node);
}

void
ob_device_hardware_reload (ObDeviceHardware *self)
{
  ObWsmanClient *client;

  g_return_if_fail (OB_IS_DEVICE_HARDWARE (self));

  self->requested = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  client = ob_device_get_wsman_client (self->device);
  if (client == NULL)
    {
      adw_status_page_set_description (self->error_page, _("The device is not connected"));
      gtk_stack_set_visible_child_name (self->stack, "error");
      return;
    }

  self->cancellable = g_cancellable_new ();
  gtk_stack_set_visible_child_name (self->stack, "loading");
  ob_device_hold_busy (self->device);
  ob_amt_hardware_info_async (client, self->cancellable, on_hardware_read, g_object_ref (self));
}

static void
ob_device_hardware_reload_action (GtkWidget  *widget,
                                  const char *action_name,
                                  GVariant   *param)
{
  ob_device_hardware_reload (OB_DEVICE_HARDWARE (widget));
}

static void
on_map (ObDeviceHardware *self)
{
  if (!self->requested)
    ob_device_hardware_reload (self);
}

static void
ob_device_hardware_dispose (GObject *object)
{
  ObDeviceHardware *self = OB_DEVICE_HARDWARE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_ptr_array_set_size (self->groups, 0);
  /* The template's root is also a bound child, which dispose_template
   * unparents; AdwBin must let go of it first. */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), OB_TYPE_DEVICE_HARDWARE);
  g_clear_object (&self->device);

  G_OBJECT_CLASS (ob_device_hardware_parent_class)->dispose (object);
}

static void
ob_device_hardware_finalize (GObject *object)
{
  ObDeviceHardware *self = OB_DEVICE_HARDWARE (object);

  g_ptr_array_unref (self->groups);

  G_OBJECT_CLASS (ob_device_hardware_parent_class)->finalize (object);
}

static void
ob_device_hardware_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  ObDeviceHardware *self = OB_DEVICE_HARDWARE (object);

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
ob_device_hardware_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  ObDeviceHardware *self = OB_DEVICE_HARDWARE (object);

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
ob_device_hardware_class_init (ObDeviceHardwareClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ob_device_hardware_dispose;
  object_class->finalize = ob_device_hardware_finalize;
  object_class->get_property = ob_device_hardware_get_property;
  object_class->set_property = ob_device_hardware_set_property;

  properties[PROP_DEVICE] =
    g_param_spec_object ("device", NULL, NULL,
                         OB_TYPE_DEVICE,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/outband/Outband/ob-device-hardware.ui");
  gtk_widget_class_bind_template_child (widget_class, ObDeviceHardware, stack);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceHardware, error_page);
  gtk_widget_class_bind_template_child (widget_class, ObDeviceHardware, page);

  gtk_widget_class_install_action (widget_class, "hardware.reload", NULL, ob_device_hardware_reload_action);
}

static void
ob_device_hardware_init (ObDeviceHardware *self)
{
  self->groups = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "map", G_CALLBACK (on_map), NULL);
}

GtkWidget *
ob_device_hardware_new (ObDevice *device)
{
  g_return_val_if_fail (OB_IS_DEVICE (device), NULL);

  return g_object_new (OB_TYPE_DEVICE_HARDWARE, "device", device, NULL);
}

/**
 * ob_device_hardware_get_device:
 * @self: an #ObDeviceHardware
 *
 * Returns: (transfer none): the device
 */
ObDevice *
ob_device_hardware_get_device (ObDeviceHardware *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_HARDWARE (self), NULL);

  return self->device;
}

const char *
ob_device_hardware_get_state (ObDeviceHardware *self)
{
  g_return_val_if_fail (OB_IS_DEVICE_HARDWARE (self), NULL);

  return gtk_stack_get_visible_child_name (self->stack);
}

GStrv
ob_device_hardware_dup_group_titles (ObDeviceHardware *self)
{
  GStrvBuilder *builder;
  GStrv titles;

  g_return_val_if_fail (OB_IS_DEVICE_HARDWARE (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->groups->len; i++)
    g_strv_builder_add (builder, adw_preferences_group_get_title (g_ptr_array_index (self->groups, i)));

  titles = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return titles;
}
