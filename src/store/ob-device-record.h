/* ob-device-record.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* How Outband reaches a device's WS-Man and redirection ports. */
typedef enum
{
  OB_DEVICE_TRANSPORT_CIRA,
  OB_DEVICE_TRANSPORT_LAN,
} ObDeviceTransport;

#define OB_TYPE_DEVICE_TRANSPORT (ob_device_transport_get_type ())
GType       ob_device_transport_get_type      (void) G_GNUC_CONST;
const char *ob_device_transport_to_string     (ObDeviceTransport  transport);
gboolean    ob_device_transport_from_string   (const char        *text,
                                               ObDeviceTransport *transport);

#define OB_TYPE_DEVICE_RECORD (ob_device_record_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceRecord, ob_device_record, OB, DEVICE_RECORD, GObject)

/* One managed device as the store keeps it: the MPS device fields of Open AMT
 * (guid, hostname, tags, mpsInstance, connectionStatus, mpsusername,
 * tenantId, friendlyName, dnsSuffix, the three timestamps and deviceInfo,
 * flattened), plus what a device reached over the LAN needs.  No password:
 * the AMT password is in the keyring under (OB_SECRET_OWNER_DEVICE, guid).
 * String properties are NULL when not set; tags are NULL when not set (an
 * upsert then keeps the stored tags) and an empty list when set to none. */

ObDeviceRecord     *ob_device_record_new                     (const char *guid);
ObDeviceRecord     *ob_device_record_copy                    (ObDeviceRecord *self);
const char         *ob_device_record_get_guid                (ObDeviceRecord *self);
void                ob_device_record_set_guid                (ObDeviceRecord *self,
                                                              const char     *guid);
const char         *ob_device_record_get_hostname            (ObDeviceRecord *self);
void                ob_device_record_set_hostname            (ObDeviceRecord *self,
                                                              const char     *hostname);
const char         *ob_device_record_get_friendly_name       (ObDeviceRecord *self);
void                ob_device_record_set_friendly_name       (ObDeviceRecord *self,
                                                              const char     *friendly_name);
const char         *ob_device_record_get_dns_suffix          (ObDeviceRecord *self);
void                ob_device_record_set_dns_suffix          (ObDeviceRecord *self,
                                                              const char     *dns_suffix);
const char * const *ob_device_record_get_tags                (ObDeviceRecord *self);
void                ob_device_record_set_tags                (ObDeviceRecord     *self,
                                                              const char * const *tags);
const char         *ob_device_record_get_tenant_id           (ObDeviceRecord *self);
void                ob_device_record_set_tenant_id           (ObDeviceRecord *self,
                                                              const char     *tenant_id);
const char         *ob_device_record_get_mps_instance        (ObDeviceRecord *self);
void                ob_device_record_set_mps_instance        (ObDeviceRecord *self,
                                                              const char     *mps_instance);
const char         *ob_device_record_get_mps_username        (ObDeviceRecord *self);
void                ob_device_record_set_mps_username        (ObDeviceRecord *self,
                                                              const char     *mps_username);
gboolean            ob_device_record_get_connection_status   (ObDeviceRecord *self);
void                ob_device_record_set_connection_status   (ObDeviceRecord *self,
                                                              gboolean        connection_status);
GDateTime          *ob_device_record_get_last_connected      (ObDeviceRecord *self);
void                ob_device_record_set_last_connected      (ObDeviceRecord *self,
                                                              GDateTime      *last_connected);
GDateTime          *ob_device_record_get_last_seen           (ObDeviceRecord *self);
void                ob_device_record_set_last_seen           (ObDeviceRecord *self,
                                                              GDateTime      *last_seen);
GDateTime          *ob_device_record_get_last_disconnected   (ObDeviceRecord *self);
void                ob_device_record_set_last_disconnected   (ObDeviceRecord *self,
                                                              GDateTime      *last_disconnected);
const char         *ob_device_record_get_fw_version          (ObDeviceRecord *self);
void                ob_device_record_set_fw_version          (ObDeviceRecord *self,
                                                              const char     *fw_version);
const char         *ob_device_record_get_fw_build            (ObDeviceRecord *self);
void                ob_device_record_set_fw_build            (ObDeviceRecord *self,
                                                              const char     *fw_build);
const char         *ob_device_record_get_fw_sku              (ObDeviceRecord *self);
void                ob_device_record_set_fw_sku              (ObDeviceRecord *self,
                                                              const char     *fw_sku);
const char         *ob_device_record_get_current_mode        (ObDeviceRecord *self);
void                ob_device_record_set_current_mode        (ObDeviceRecord *self,
                                                              const char     *current_mode);
const char         *ob_device_record_get_features            (ObDeviceRecord *self);
void                ob_device_record_set_features            (ObDeviceRecord *self,
                                                              const char     *features);
const char         *ob_device_record_get_ip_address          (ObDeviceRecord *self);
void                ob_device_record_set_ip_address          (ObDeviceRecord *self,
                                                              const char     *ip_address);
GDateTime          *ob_device_record_get_device_info_updated (ObDeviceRecord *self);
void                ob_device_record_set_device_info_updated (ObDeviceRecord *self,
                                                              GDateTime      *device_info_updated);
ObDeviceTransport   ob_device_record_get_transport           (ObDeviceRecord *self);
void                ob_device_record_set_transport           (ObDeviceRecord    *self,
                                                              ObDeviceTransport  transport);
const char         *ob_device_record_get_host                (ObDeviceRecord *self);
void                ob_device_record_set_host                (ObDeviceRecord *self,
                                                              const char     *host);
guint               ob_device_record_get_port                (ObDeviceRecord *self);
void                ob_device_record_set_port                (ObDeviceRecord *self,
                                                              guint           port);
gboolean            ob_device_record_get_use_tls             (ObDeviceRecord *self);
void                ob_device_record_set_use_tls             (ObDeviceRecord *self,
                                                              gboolean        use_tls);
gboolean            ob_device_record_get_allow_self_signed   (ObDeviceRecord *self);
void                ob_device_record_set_allow_self_signed   (ObDeviceRecord *self,
                                                              gboolean        allow_self_signed);
gboolean            ob_device_record_get_legacy_tls          (ObDeviceRecord *self);
void                ob_device_record_set_legacy_tls          (ObDeviceRecord *self,
                                                              gboolean        legacy_tls);
const char         *ob_device_record_get_pinned_fingerprint  (ObDeviceRecord *self);
void                ob_device_record_set_pinned_fingerprint  (ObDeviceRecord *self,
                                                              const char     *pinned_fingerprint);
const char         *ob_device_record_get_amt_username        (ObDeviceRecord *self);
void                ob_device_record_set_amt_username        (ObDeviceRecord *self,
                                                              const char     *amt_username);
gint64              ob_device_record_get_version             (ObDeviceRecord *self);
void                ob_device_record_set_version             (ObDeviceRecord *self,
                                                              gint64          version);
gboolean            ob_device_record_has_device_info         (ObDeviceRecord *self);

G_END_DECLS
