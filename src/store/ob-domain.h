/* ob-domain.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OB_TYPE_DOMAIN (ob_domain_get_type ())

G_DECLARE_FINAL_TYPE (ObDomain, ob_domain, OB, DOMAIN, GObject)

/* An ACM provisioning domain (Open AMT /api/v1/admin/domains).  The PFX and
 * its password are in the keyring under (OB_SECRET_OWNER_DOMAIN, name); the
 * store keeps the suffix, the storage format ("raw" or "string") and the
 * earliest expiry of the certificates in the PFX.  Names and suffixes are
 * unique regardless of case. */

ObDomain   *ob_domain_new                                  (const char *name);
const char *ob_domain_get_name                             (ObDomain *self);
void        ob_domain_set_name                             (ObDomain   *self,
                                                            const char *name);
const char *ob_domain_get_domain_suffix                    (ObDomain *self);
void        ob_domain_set_domain_suffix                    (ObDomain   *self,
                                                            const char *domain_suffix);
const char *ob_domain_get_provisioning_cert_storage_format (ObDomain *self);
void        ob_domain_set_provisioning_cert_storage_format (ObDomain   *self,
                                                            const char *provisioning_cert_storage_format);
GDateTime  *ob_domain_get_expiration_date                  (ObDomain *self);
void        ob_domain_set_expiration_date                  (ObDomain  *self,
                                                            GDateTime *expiration_date);
const char *ob_domain_get_tenant_id                        (ObDomain *self);
void        ob_domain_set_tenant_id                        (ObDomain   *self,
                                                            const char *tenant_id);
gint64      ob_domain_get_version                          (ObDomain *self);
void        ob_domain_set_version                          (ObDomain *self,
                                                            gint64    version);

G_END_DECLS
