/* ob-store.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-activity-entry.h"
#include "ob-cira-config.h"
#include "ob-device-record.h"
#include "ob-domain.h"
#include "ob-ieee8021x-config.h"
#include "ob-profile.h"
#include "ob-wireless-config.h"

G_BEGIN_DECLS

#define OB_STORE_ERROR (ob_store_error_quark ())

typedef enum
{
  OB_STORE_ERROR_NOT_FOUND = 1,
  OB_STORE_ERROR_DUPLICATE,
  OB_STORE_ERROR_IN_USE,
  OB_STORE_ERROR_MISSING_REFERENCE,
  OB_STORE_ERROR_CONFLICT,
  OB_STORE_ERROR_INVALID,
  OB_STORE_ERROR_DATABASE,
  OB_STORE_ERROR_TOO_NEW,
} ObStoreError;

GQuark ob_store_error_quark (void);

/* Details of the ObStore::changed signal, one per record type. */
#define OB_STORE_KIND_DEVICE           "device"
#define OB_STORE_KIND_PROFILE          "profile"
#define OB_STORE_KIND_CIRA_CONFIG      "cira-config"
#define OB_STORE_KIND_DOMAIN           "domain"
#define OB_STORE_KIND_WIRELESS_CONFIG  "wireless-config"
#define OB_STORE_KIND_IEEE8021X_CONFIG "ieee8021x-config"
#define OB_STORE_KIND_ACTIVITY         "activity"

typedef enum
{
  OB_STORE_TAG_MATCH_ANY,
  OB_STORE_TAG_MATCH_ALL,
} ObStoreTagMatch;

typedef enum
{
  OB_STORE_CONNECTION_ANY,
  OB_STORE_CONNECTION_CONNECTED,
  OB_STORE_CONNECTION_DISCONNECTED,
} ObStoreConnectionFilter;

/* Paging and filters for the list functions; a NULL query lists everything.
 * Zero-initialise it (ObStoreQuery q = { 0 };) and set what you need.
 * total_count is the number of matching rows before offset and limit.
 * A filter that does not apply to the listed type (tags on CIRA configs,
 * hostname on profiles …) fails with OB_STORE_ERROR_INVALID. */
typedef struct
{
  guint                    offset;
  guint                    limit;          /* 0: no limit */
  const char * const      *tags;           /* devices, profiles; NULL or empty: no filter */
  ObStoreTagMatch          tag_match;
  const char              *tenant_id;      /* NULL: every tenant; not for activity */
  const char              *hostname;       /* devices: exact match */
  const char              *friendly_name;  /* devices: exact match */
  ObStoreConnectionFilter  connection;     /* devices */
  const char              *device_guid;    /* activity entries */
} ObStoreQuery;

#define OB_TYPE_STORE (ob_store_get_type ())

G_DECLARE_FINAL_TYPE (ObStore, ob_store, OB, STORE, GObject)

typedef gboolean (*ObStoreTransactionFunc) (ObStore   *store,
                                            gpointer   user_data,
                                            GError   **error);

/* Opening, schema, maintenance.
 *
 * An ObStore may be used from several threads (calls are serialised); the
 * ::changed signal is emitted on the thread that committed the change, after
 * the commit.  Every write is one transaction; run_in_transaction groups
 * several writes (and reads) into one, which commits only if @func returns
 * TRUE. */
ObStore    *ob_store_new                       (GError                **error);
ObStore    *ob_store_new_for_path              (const char             *db_path,
                                                GError                **error);
const char *ob_store_get_path                  (ObStore                *self);
guint       ob_store_get_schema_version        (ObStore                *self);
guint       ob_store_get_latest_schema_version (void);
gboolean    ob_store_integrity_check           (ObStore                *self,
                                                GError                **error);
gboolean    ob_store_run_in_transaction        (ObStore                *self,
                                                ObStoreTransactionFunc  func,
                                                gpointer                user_data,
                                                GError                **error);

/* Devices, keyed by GUID (any case in, lower case stored).  insert and
 * update set the record's version (and normalised guid / fingerprint);
 * update fails with CONFLICT unless the record's version is the stored one.
 * update does not touch the connection state (status, mps-instance and the
 * three timestamps), which set_device_connection owns and which does not
 * change the version. */
gboolean         ob_store_insert_device                 (ObStore             *self,
                                                         ObDeviceRecord      *device,
                                                         GError             **error);
gboolean         ob_store_update_device                 (ObStore             *self,
                                                         ObDeviceRecord      *device,
                                                         GError             **error);
ObDeviceRecord  *ob_store_get_device                    (ObStore             *self,
                                                         const char          *guid,
                                                         GError             **error);
gboolean         ob_store_delete_device                 (ObStore             *self,
                                                         const char          *guid,
                                                         GError             **error);
GPtrArray       *ob_store_list_devices                  (ObStore             *self,
                                                         const ObStoreQuery  *query,
                                                         guint               *total_count,
                                                         GError             **error);
ObDeviceRecord  *ob_store_upsert_device                 (ObStore             *self,
                                                         ObDeviceRecord      *device,
                                                         gboolean            *created,
                                                         GError             **error);
gboolean         ob_store_set_device_connection         (ObStore             *self,
                                                         const char          *guid,
                                                         gboolean             connected,
                                                         const char          *mps_instance,
                                                         GDateTime           *when,
                                                         GError             **error);
/* last_seen = @when (NULL: now) and connected, without touching
 * last_connected (keepalives). */
gboolean         ob_store_set_device_last_seen          (ObStore             *self,
                                                         const char          *guid,
                                                         GDateTime           *when,
                                                         GError             **error);
gboolean         ob_store_mark_all_devices_disconnected (ObStore             *self,
                                                         GDateTime           *when,
                                                         GError             **error);
char           **ob_store_list_device_tags              (ObStore             *self,
                                                         const char          *tenant_id,
                                                         GError             **error);
gboolean         ob_store_count_devices                 (ObStore             *self,
                                                         const char          *tenant_id,
                                                         guint               *total,
                                                         guint               *connected,
                                                         GError             **error);
/* The rows of the devices table as this store committed them (every
 * tenant), without a query: counted once when the store opens and kept as
 * inserts and deletes commit.  Writes through another connection to the
 * same file are not seen.  Any thread. */
guint            ob_store_get_n_devices                 (ObStore             *self);

/* Profiles, with their wireless links (inserted, replaced and deleted
 * together, atomically). */
gboolean   ob_store_insert_profile (ObStore             *self,
                                    ObProfile           *profile,
                                    GError             **error);
gboolean   ob_store_update_profile (ObStore             *self,
                                    ObProfile           *profile,
                                    GError             **error);
ObProfile *ob_store_get_profile    (ObStore             *self,
                                    const char          *name,
                                    GError             **error);
gboolean   ob_store_delete_profile (ObStore             *self,
                                    const char          *name,
                                    GError             **error);
GPtrArray *ob_store_list_profiles  (ObStore             *self,
                                    const ObStoreQuery  *query,
                                    guint               *total_count,
                                    GError             **error);

gboolean      ob_store_insert_cira_config (ObStore             *self,
                                           ObCiraConfig        *config,
                                           GError             **error);
gboolean      ob_store_update_cira_config (ObStore             *self,
                                           ObCiraConfig        *config,
                                           GError             **error);
ObCiraConfig *ob_store_get_cira_config    (ObStore             *self,
                                           const char          *name,
                                           GError             **error);
gboolean      ob_store_delete_cira_config (ObStore             *self,
                                           const char          *name,
                                           GError             **error);
GPtrArray    *ob_store_list_cira_configs  (ObStore             *self,
                                           const ObStoreQuery  *query,
                                           guint               *total_count,
                                           GError             **error);

gboolean   ob_store_insert_domain           (ObStore             *self,
                                             ObDomain            *domain,
                                             GError             **error);
gboolean   ob_store_update_domain           (ObStore             *self,
                                             ObDomain            *domain,
                                             GError             **error);
ObDomain  *ob_store_get_domain              (ObStore             *self,
                                             const char          *name,
                                             GError             **error);
ObDomain  *ob_store_get_domain_by_suffix    (ObStore             *self,
                                             const char          *domain_suffix,
                                             GError             **error);
gboolean   ob_store_delete_domain           (ObStore             *self,
                                             const char          *name,
                                             GError             **error);
GPtrArray *ob_store_list_domains            (ObStore             *self,
                                             const ObStoreQuery  *query,
                                             guint               *total_count,
                                             GError             **error);

gboolean          ob_store_insert_wireless_config (ObStore             *self,
                                                   ObWirelessConfig    *config,
                                                   GError             **error);
gboolean          ob_store_update_wireless_config (ObStore             *self,
                                                   ObWirelessConfig    *config,
                                                   GError             **error);
ObWirelessConfig *ob_store_get_wireless_config    (ObStore             *self,
                                                   const char          *name,
                                                   GError             **error);
gboolean          ob_store_delete_wireless_config (ObStore             *self,
                                                   const char          *name,
                                                   GError             **error);
GPtrArray        *ob_store_list_wireless_configs  (ObStore             *self,
                                                   const ObStoreQuery  *query,
                                                   guint               *total_count,
                                                   GError             **error);

gboolean           ob_store_insert_ieee8021x_config (ObStore             *self,
                                                     ObIeee8021xConfig   *config,
                                                     GError             **error);
gboolean           ob_store_update_ieee8021x_config (ObStore             *self,
                                                     ObIeee8021xConfig   *config,
                                                     GError             **error);
ObIeee8021xConfig *ob_store_get_ieee8021x_config    (ObStore             *self,
                                                     const char          *name,
                                                     GError             **error);
gboolean           ob_store_delete_ieee8021x_config (ObStore             *self,
                                                     const char          *name,
                                                     GError             **error);
GPtrArray         *ob_store_list_ieee8021x_configs  (ObStore             *self,
                                                     const ObStoreQuery  *query,
                                                     guint               *total_count,
                                                     GError             **error);

/* The activity log.  append sets the entry's id, and its timestamp when it
 * was 0; the list is newest first. */
gboolean   ob_store_append_activity          (ObStore             *self,
                                              ObActivityEntry     *entry,
                                              GError             **error);
gboolean   ob_store_log_activity             (ObStore             *self,
                                              const char          *actor,
                                              const char          *action,
                                              const char          *device_guid,
                                              const char          *target,
                                              ObActivityResult     result,
                                              const char          *detail,
                                              GError             **error);
GPtrArray *ob_store_list_activity_entries    (ObStore             *self,
                                              const ObStoreQuery  *query,
                                              guint               *total_count,
                                              GError             **error);
gboolean   ob_store_delete_activity_before   (ObStore             *self,
                                              gint64               timestamp,
                                              guint               *n_deleted,
                                              GError             **error);

G_END_DECLS
