/* ob-domain.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-domain.h"

struct _ObDomain
{
  GObject parent_instance;

  char      *name;
  char      *domain_suffix;
  char      *provisioning_cert_storage_format;
  GDateTime *expiration_date;
  char      *tenant_id;
  gint64     version;
};

G_DEFINE_FINAL_TYPE (ObDomain, ob_domain, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NAME,
  PROP_DOMAIN_SUFFIX,
  PROP_PROVISIONING_CERT_STORAGE_FORMAT,
  PROP_EXPIRATION_DATE,
  PROP_TENANT_ID,
  PROP_VERSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
ob_domain_finalize (GObject *object)
{
  ObDomain *self = (ObDomain *) object;

  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->domain_suffix, g_free);
  g_clear_pointer (&self->provisioning_cert_storage_format, g_free);
  g_clear_pointer (&self->expiration_date, g_date_time_unref);
  g_clear_pointer (&self->tenant_id, g_free);

  G_OBJECT_CLASS (ob_domain_parent_class)->finalize (object);
}

static void
ob_domain_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  ObDomain *self = OB_DOMAIN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;

    case PROP_DOMAIN_SUFFIX:
      g_value_set_string (value, self->domain_suffix);
      break;

    case PROP_PROVISIONING_CERT_STORAGE_FORMAT:
      g_value_set_string (value, self->provisioning_cert_storage_format);
      break;

    case PROP_EXPIRATION_DATE:
      g_value_set_boxed (value, self->expiration_date);
      break;

    case PROP_TENANT_ID:
      g_value_set_string (value, self->tenant_id);
      break;

    case PROP_VERSION:
      g_value_set_int64 (value, self->version);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_domain_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  ObDomain *self = OB_DOMAIN (object);

  switch (prop_id)
    {
    case PROP_NAME:
      ob_domain_set_name (self, g_value_get_string (value));
      break;

    case PROP_DOMAIN_SUFFIX:
      ob_domain_set_domain_suffix (self, g_value_get_string (value));
      break;

    case PROP_PROVISIONING_CERT_STORAGE_FORMAT:
      ob_domain_set_provisioning_cert_storage_format (self, g_value_get_string (value));
      break;

    case PROP_EXPIRATION_DATE:
      ob_domain_set_expiration_date (self, g_value_get_boxed (value));
      break;

    case PROP_TENANT_ID:
      ob_domain_set_tenant_id (self, g_value_get_string (value));
      break;

    case PROP_VERSION:
      ob_domain_set_version (self, g_value_get_int64 (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_domain_class_init (ObDomainClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_domain_finalize;
  object_class->get_property = ob_domain_get_property;
  object_class->set_property = ob_domain_set_property;

  properties[PROP_NAME] =
    g_param_spec_string ("name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_DOMAIN_SUFFIX] =
    g_param_spec_string ("domain-suffix", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_PROVISIONING_CERT_STORAGE_FORMAT] =
    g_param_spec_string ("provisioning-cert-storage-format", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_EXPIRATION_DATE] =
    g_param_spec_boxed ("expiration-date", NULL, NULL,
                        G_TYPE_DATE_TIME,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_TENANT_ID] =
    g_param_spec_string ("tenant-id", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  properties[PROP_VERSION] =
    g_param_spec_int64 ("version", NULL, NULL,
                        0, G_MAXINT64, 0,
                        (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ob_domain_init (ObDomain *self)
{
  self->provisioning_cert_storage_format = g_strdup ("string");
}

ObDomain *
ob_domain_new (const char *name)
{
  return g_object_new (OB_TYPE_DOMAIN, "name", name, NULL);
}

const char *
ob_domain_get_name (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), NULL);

  return self->name;
}

void
ob_domain_set_name (ObDomain   *self,
                    const char *name)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  if (g_strcmp0 (self->name, name) == 0)
    return;

  g_free (self->name);
  self->name = g_strdup (name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

const char *
ob_domain_get_domain_suffix (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), NULL);

  return self->domain_suffix;
}

void
ob_domain_set_domain_suffix (ObDomain   *self,
                             const char *domain_suffix)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  if (g_strcmp0 (self->domain_suffix, domain_suffix) == 0)
    return;

  g_free (self->domain_suffix);
  self->domain_suffix = g_strdup (domain_suffix);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOMAIN_SUFFIX]);
}

const char *
ob_domain_get_provisioning_cert_storage_format (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), NULL);

  return self->provisioning_cert_storage_format;
}

void
ob_domain_set_provisioning_cert_storage_format (ObDomain   *self,
                                                const char *provisioning_cert_storage_format)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  if (g_strcmp0 (self->provisioning_cert_storage_format, provisioning_cert_storage_format) == 0)
    return;

  g_free (self->provisioning_cert_storage_format);
  self->provisioning_cert_storage_format = g_strdup (provisioning_cert_storage_format);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROVISIONING_CERT_STORAGE_FORMAT]);
}

GDateTime *
ob_domain_get_expiration_date (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), NULL);

  return self->expiration_date;
}

void
ob_domain_set_expiration_date (ObDomain  *self,
                               GDateTime *expiration_date)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  if (self->expiration_date == expiration_date
      || (self->expiration_date != NULL && expiration_date != NULL
          && g_date_time_equal (self->expiration_date, expiration_date)))
    return;

  g_clear_pointer (&self->expiration_date, g_date_time_unref);
  self->expiration_date = expiration_date != NULL ? g_date_time_ref (expiration_date) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EXPIRATION_DATE]);
}

const char *
ob_domain_get_tenant_id (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), NULL);

  return self->tenant_id;
}

void
ob_domain_set_tenant_id (ObDomain   *self,
                         const char *tenant_id)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  if (g_strcmp0 (self->tenant_id, tenant_id) == 0)
    return;

  g_free (self->tenant_id);
  self->tenant_id = g_strdup (tenant_id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TENANT_ID]);
}

gint64
ob_domain_get_version (ObDomain *self)
{
  g_return_val_if_fail (OB_IS_DOMAIN (self), 0);

  return self->version;
}

void
ob_domain_set_version (ObDomain *self,
                       gint64    version)
{
  g_return_if_fail (OB_IS_DOMAIN (self));

  g_return_if_fail (version >= 0);
  if (self->version == version)
    return;

  self->version = version;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERSION]);
}

