/* ob-sim-instance.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-sim-instance.h"
#include "ob-sim-xml.h"

typedef enum
{
  VALUE_TEXT,
  VALUE_DATETIME,
  VALUE_INTERVAL,
  VALUE_REFERENCE,
} ValueKind;

typedef struct
{
  char       *name;
  ValueKind   kind;
  char       *text;           /* text, datetime or interval */
  char       *resource_uri;   /* reference */
  GStrv       selectors;      /* reference: name, value, … */
} Property;

struct _ObSimInstance
{
  gatomicrefcount  ref_count;
  char            *class_name;
  char            *resource_uri;
  GPtrArray       *properties;
};

G_DEFINE_BOXED_TYPE (ObSimInstance, ob_sim_instance, ob_sim_instance_ref, ob_sim_instance_unref)

static void
property_free (gpointer data)
{
  Property *p = data;

  g_free (p->name);
  g_free (p->text);
  g_free (p->resource_uri);
  g_strfreev (p->selectors);
  g_free (p);
}

ObSimInstance *
ob_sim_instance_new (const char *class_name)
{
  ObSimInstance *self;

  g_return_val_if_fail (class_name != NULL, NULL);

  self = g_new0 (ObSimInstance, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->class_name = g_strdup (class_name);
  self->resource_uri = ob_wsman_resource_uri_for_class (class_name);
  if (self->resource_uri == NULL)
    self->resource_uri = g_strconcat (OB_WSMAN_URI_CIM, class_name, NULL);
  self->properties = g_ptr_array_new_with_free_func (property_free);
  return self;
}

ObSimInstance *
ob_sim_instance_ref (ObSimInstance *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
ob_sim_instance_unref (ObSimInstance *self)
{
  g_return_if_fail (self != NULL);
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;
  g_free (self->class_name);
  g_free (self->resource_uri);
  g_ptr_array_unref (self->properties);
  g_free (self);
}

const char *
ob_sim_instance_get_class_name (ObSimInstance *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->class_name;
}

const char *
ob_sim_instance_get_resource_uri (ObSimInstance *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->resource_uri;
}

static Property *
add_property (ObSimInstance *self,
              const char    *name,
              ValueKind      kind,
              const char    *text)
{
  Property *p = g_new0 (Property, 1);

  p->name = g_strdup (name);
  p->kind = kind;
  p->text = g_strdup (text != NULL ? text : "");
  g_ptr_array_add (self->properties, p);
  return p;
}

void
ob_sim_instance_add_string (ObSimInstance *self,
                            const char    *name,
                            const char    *value)
{
  g_return_if_fail (self != NULL && name != NULL);
  add_property (self, name, VALUE_TEXT, value);
}

void
ob_sim_instance_add_uint (ObSimInstance *self,
                          const char    *name,
                          guint64        value)
{
  char buf[24];

  g_return_if_fail (self != NULL && name != NULL);
  g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, value);
  add_property (self, name, VALUE_TEXT, buf);
}

void
ob_sim_instance_add_bool (ObSimInstance *self,
                          const char    *name,
                          gboolean       value)
{
  g_return_if_fail (self != NULL && name != NULL);
  add_property (self, name, VALUE_TEXT, value ? "true" : "false");
}

void
ob_sim_instance_add_datetime (ObSimInstance *self,
                              const char    *name,
                              const char    *iso)
{
  g_return_if_fail (self != NULL && name != NULL);
  add_property (self, name, VALUE_DATETIME, iso);
}

void
ob_sim_instance_add_interval (ObSimInstance *self,
                              const char    *name,
                              const char    *duration)
{
  g_return_if_fail (self != NULL && name != NULL);
  add_property (self, name, VALUE_INTERVAL, duration);
}

void
ob_sim_instance_add_reference (ObSimInstance  *self,
                               const char     *name,
                               const char     *resource_uri,
                               const char    **selectors)
{
  Property *p;

  g_return_if_fail (self != NULL && name != NULL && resource_uri != NULL);
  p = add_property (self, name, VALUE_REFERENCE, NULL);
  p->resource_uri = g_strdup (resource_uri);
  p->selectors = g_strdupv ((char **) selectors);
}

guint
ob_sim_instance_get_n_properties (ObSimInstance *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->properties->len;
}

const char *
ob_sim_instance_get_property_name (ObSimInstance *self,
                                   guint          index)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (index < self->properties->len, NULL);
  return ((Property *) g_ptr_array_index (self->properties, index))->name;
}

const char *
ob_sim_instance_lookup (ObSimInstance *self,
                        const char    *name)
{
  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *p = g_ptr_array_index (self->properties, i);

      if (g_str_equal (p->name, name))
        return p->kind == VALUE_REFERENCE ? NULL : p->text;
    }
  return NULL;
}

gboolean
ob_sim_instance_matches (ObSimInstance    *self,
                         ObWsmanSelectors *selectors)
{
  guint n;

  g_return_val_if_fail (self != NULL, FALSE);

  if (selectors == NULL)
    return TRUE;

  n = ob_wsman_selectors_get_length (selectors);
  for (guint i = 0; i < n; i++)
    {
      const char *name = ob_wsman_selectors_get_name (selectors, i);
      const char *value = ob_wsman_selectors_get_value (selectors, i);
      const char *mine = ob_sim_instance_lookup (self, name);

      if (value == NULL || mine == NULL || !g_str_equal (value, mine))
        return FALSE;
    }
  return TRUE;
}

void
ob_sim_xml_writer_instance (ObSimXmlWriter *writer,
                            ObSimInstance  *self)
{
  const char *prefix = ob_sim_xml_writer_prefix (writer, self->resource_uri);

  ob_sim_xml_writer_open (writer, prefix, self->class_name);
  for (guint i = 0; i < self->properties->len; i++)
    {
      Property *p = g_ptr_array_index (self->properties, i);

      switch (p->kind)
        {
        case VALUE_TEXT:
          ob_sim_xml_writer_element (writer, prefix, p->name, p->text);
          break;
        case VALUE_DATETIME:
        case VALUE_INTERVAL:
          {
            const char *common = ob_sim_xml_writer_prefix (writer, OB_SIM_NS_COMMON);

            ob_sim_xml_writer_open (writer, prefix, p->name);
            ob_sim_xml_writer_element (writer, common,
                                       p->kind == VALUE_DATETIME ? "Datetime" : "Interval",
                                       p->text);
            ob_sim_xml_writer_close (writer, prefix, p->name);
          }
          break;
        case VALUE_REFERENCE:
          ob_sim_xml_writer_open (writer, prefix, p->name);
          ob_sim_xml_writer_reference (writer, p->resource_uri, (const char **) p->selectors);
          ob_sim_xml_writer_close (writer, prefix, p->name);
          break;
        default:
          g_assert_not_reached ();
        }
    }
  ob_sim_xml_writer_close (writer, prefix, self->class_name);
}
