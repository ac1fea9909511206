/* ob-sim-instance.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-wsman-message.h"

G_BEGIN_DECLS

/* ObSimInstance: one CIM/AMT/IPS class instance as the simulated firmware
 * reports it: the class name and its properties in the order AMT writes
 * them.  A property is text, a CIM datetime or interval (written inside a
 * nested element of the "common" namespace, as AMT does), or an endpoint
 * reference.  Repeated names are array values.  Refcounted, plain data. */
typedef struct _ObSimInstance ObSimInstance;

#define OB_TYPE_SIM_INSTANCE (ob_sim_instance_get_type ())

#define OB_SIM_NS_COMMON "http://schemas.dmtf.org/wbem/wscim/1/common"

GType          ob_sim_instance_get_type       (void) G_GNUC_CONST;

ObSimInstance *ob_sim_instance_new            (const char     *class_name);
ObSimInstance *ob_sim_instance_ref            (ObSimInstance  *self);
void           ob_sim_instance_unref          (ObSimInstance  *self);

const char    *ob_sim_instance_get_class_name (ObSimInstance  *self);
/* The resource URI of the class (AMT_, CIM_ or IPS_ base). */
const char    *ob_sim_instance_get_resource_uri (ObSimInstance *self);

void           ob_sim_instance_add_string     (ObSimInstance  *self,
                                               const char     *name,
                                               const char     *value);
void           ob_sim_instance_add_uint       (ObSimInstance  *self,
                                               const char     *name,
                                               guint64         value);
void           ob_sim_instance_add_bool       (ObSimInstance  *self,
                                               const char     *name,
                                               gboolean        value);
/* <name><common:Datetime>@iso</common:Datetime></name> */
void           ob_sim_instance_add_datetime   (ObSimInstance  *self,
                                               const char     *name,
                                               const char     *iso);
/* <name><common:Interval>@duration</common:Interval></name> */
void           ob_sim_instance_add_interval   (ObSimInstance  *self,
                                               const char     *name,
                                               const char     *duration);
/* An EPR to an instance of @resource_uri with @selectors (name, value
 * pairs, NULL-terminated; may be NULL for a reference without selectors). */
void           ob_sim_instance_add_reference  (ObSimInstance  *self,
                                               const char     *name,
                                               const char     *resource_uri,
                                               const char    **selectors);

guint          ob_sim_instance_get_n_properties (ObSimInstance *self);
const char    *ob_sim_instance_get_property_name (ObSimInstance *self,
                                                  guint          index);
/* Text of the first property called @name (the Datetime/Interval text for
 * those kinds), or NULL when absent or a reference. */
const char    *ob_sim_instance_lookup         (ObSimInstance  *self,
                                               const char     *name);

/* Whether every selector names a text property of this instance with the
 * same value (an empty or NULL selector set matches). */
gboolean       ob_sim_instance_matches        (ObSimInstance    *self,
                                               ObWsmanSelectors *selectors);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObSimInstance, ob_sim_instance_unref)

G_END_DECLS
