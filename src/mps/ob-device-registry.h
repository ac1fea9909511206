/* ob-device-registry.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-device.h"
#include "ob-device-error.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

#define OB_DEVICE_REGISTRY_DEFAULT_POLL_INTERVAL 60
#define OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES 4
/* Queued refreshes (devices that just connected over CIRA) may run this
 * many at once, the poll's included: after a storm of thousands each waits
 * mostly on its tunnel's round trips, and four at a time took minutes. */
#define OB_DEVICE_REGISTRY_MAX_CONCURRENT_QUEUED_REFRESHES 16

#define OB_TYPE_DEVICE_REGISTRY (ob_device_registry_get_type ())

G_DECLARE_FINAL_TYPE (ObDeviceRegistry, ob_device_registry, OB, DEVICE_REGISTRY, GObject)

/* Every managed device, as a GListModel of ObDevice the UI binds to (in
 * the order they were loaded, then added).  Built from @store (device
 * records) and @secrets (AMT passwords: owner OB_SECRET_OWNER_DEVICE, id
 * the GUID, kind OB_SECRET_KIND_AMT_PASSWORD).  Runs on the thread-default
 * main context it was created on.  Properties: store, secrets (construct
 * only), loaded, polling, poll-interval (seconds). */
ObDeviceRegistry *ob_device_registry_new                    (ObStore              *store,
                                                             ObSecretStore        *secrets);

ObStore          *ob_device_registry_get_store              (ObDeviceRegistry     *self);
ObSecretStore    *ob_device_registry_get_secrets            (ObDeviceRegistry     *self);
gboolean          ob_device_registry_get_loaded             (ObDeviceRegistry     *self);

/* Reads every device from the store and its password from the keyring in
 * a worker thread, then fills the model.  A device whose password is
 * missing is still listed (it will show auth-failed). */
void              ob_device_registry_load_async             (ObDeviceRegistry     *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          ob_device_registry_load_finish            (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* How many devices of the model are connected now (ob_device_is_connected),
 * not counting one whose removal is under way.  Kept as devices are added,
 * removed, connect and disconnect, so reading it costs nothing
 * (devices/stats). */
guint             ob_device_registry_get_n_connected        (ObDeviceRegistry     *self);

/* How many devices the poll looks at: those with a transport source, on
 * the LAN, or over CIRA while the CIRA poll interval is not 0.  Kept as
 * devices are added, removed, connect, disconnect and change transport,
 * so the poll walks these rather than the whole model. */
guint             ob_device_registry_get_n_polled           (ObDeviceRegistry     *self);

/* (transfer none) NULL when unknown.  Any case. */
ObDevice         *ob_device_registry_lookup                 (ObDeviceRegistry     *self,
                                                             const char           *guid);

/* Adds a device reached on the LAN.  Connects and asks the device for its
 * GUID (CIM_ComputerSystemPackage.PlatformGUID) while refreshing it once;
 * only when that works is the record stored (hostname = @host, transport
 * lan) and the password put in the keyring, and the device appended to
 * the model.  If anything fails nothing is stored and the error says why
 * (unreachable, wrong password, certificate not pinned or changed,
 * duplicate GUID …).  @port 0 means 16993 with TLS, 16992 without.
 * @pinned_fingerprint is required with TLS (see
 * ob_lan_stream_source_probe_certificate_async).  @username NULL means
 * "admin".  @tags and @friendly_name may be NULL.  (transfer full) */
void              ob_device_registry_add_lan_device_async   (ObDeviceRegistry     *self,
                                                             const char           *host,
                                                             guint                 port,
                                                             gboolean              use_tls,
                                                             const char           *pinned_fingerprint,
                                                             gboolean              legacy_tls,
                                                             const char           *friendly_name,
                                                             const char * const   *tags,
                                                             const char           *username,
                                                             const char           *password,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
ObDevice         *ob_device_registry_add_lan_device_finish  (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* Stores an edited record (friendly name, tags, host, TLS settings, user
 * …; same GUID; the record's version must be the stored one) and, when
 * @new_password is not NULL, the new password in the keyring; then
 * updates the ObDevice.  Fails with OB_DEVICE_ERROR_NOT_FOUND for an
 * unknown GUID, OB_STORE_ERROR_CONFLICT when the record is stale. */
void              ob_device_registry_update_device_async    (ObDeviceRegistry     *self,
                                                             ObDeviceRecord       *record,
                                                             const char           *new_password,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          ob_device_registry_update_device_finish   (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* Deletes the store row and every keyring secret of the device, then
 * removes it from the model.  OB_DEVICE_ERROR_NOT_FOUND when unknown. */
void              ob_device_registry_remove_device_async    (ObDeviceRegistry     *self,
                                                             const char           *guid,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          ob_device_registry_remove_device_finish   (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* The gentle poll: every device is refreshed at most once per interval,
 * at most OB_DEVICE_REGISTRY_MAX_CONCURRENT_REFRESHES devices at a time,
 * oldest first.  Interval in seconds, at least 1 (default 60).  CIRA
 * devices: see ob_device_registry_set_cira_poll_interval(). */
void              ob_device_registry_set_poll_interval      (ObDeviceRegistry     *self,
                                                             guint                 seconds);
guint             ob_device_registry_get_poll_interval      (ObDeviceRegistry     *self);
/* CIRA devices are refreshed when they connect and on demand; the poll
 * visits them only when this is not 0 (seconds; default 0).  Their
 * connection state needs no poll (keepalives show it), and a fleet of
 * 10,000 polled every minute would be some 170 WS-Man refreshes a second
 * through the tunnels (most of the MPS's CPU, measured with
 * tests/bench/cira-scale). */
void              ob_device_registry_set_cira_poll_interval (ObDeviceRegistry     *self,
                                                             guint                 seconds);
guint             ob_device_registry_get_cira_poll_interval (ObDeviceRegistry     *self);
void              ob_device_registry_start_polling          (ObDeviceRegistry     *self);
void              ob_device_registry_stop_polling           (ObDeviceRegistry     *self);
gboolean          ob_device_registry_get_polling            (ObDeviceRegistry     *self);

/* Refreshes every device now (same concurrency limit); completes when all
 * have finished.  Individual failures show on the devices; the call itself
 * fails only when cancelled. */
void              ob_device_registry_refresh_all_async      (ObDeviceRegistry     *self,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          ob_device_registry_refresh_all_finish     (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             GError              **error);

/* ---- CIRA devices (for the MPS) ----------------------------------------- */

/* A device authenticated over CIRA: @record is its store row (transport
 * cira), @amt_password its AMT password (NULL when none is stored: the
 * device then shows auth-failed with a message that says so) and
 * @transport its connection (the ObApfSession).  Adds the device to the
 * model, or updates the one there (record, password) and makes @transport
 * its transport source, replacing an older one.  (transfer none) */
ObDevice         *ob_device_registry_attach_cira_device     (ObDeviceRegistry     *self,
                                                             ObDeviceRecord       *record,
                                                             const char           *amt_password,
                                                             ObStreamSource       *transport);
/* The connection @transport of device @guid ended (@reason: why, may be
 * NULL).  Only when @transport is still the device's transport source is
 * it dropped (the device stays listed, unreachable, "not connected");
 * returns whether it was. */
gboolean          ob_device_registry_detach_cira_device     (ObDeviceRegistry     *self,
                                                             const char           *guid,
                                                             ObStreamSource       *transport,
                                                             const GError         *reason);
/* Refresh @device soon, before anything the poll has due, within
 * OB_DEVICE_REGISTRY_MAX_CONCURRENT_QUEUED_REFRESHES, whether polling or
 * not (a CIRA device that just connected).  While CIRA devices keep
 * arriving (less than 250 ms apart) queued refreshes run one at a time, so
 * a connect storm's handshakes come first.  Does nothing while it has no
 * transport source. */
void              ob_device_registry_queue_refresh          (ObDeviceRegistry     *self,
                                                             ObDevice             *device);

/* For the add-device dialog: connect with these settings and do one
 * WS-Man exchange (CIM_SoftwareIdentity enumerate and the GUID); store
 * nothing.  Returns the AMT version and the GUID, or the error in plain
 * words.  @port 0 as for add.  Either out argument may be NULL. */
void              ob_device_registry_test_connection_async  (ObDeviceRegistry     *self,
                                                             const char           *host,
                                                             guint                 port,
                                                             gboolean              use_tls,
                                                             const char           *pinned_fingerprint,
                                                             gboolean              legacy_tls,
                                                             const char           *username,
                                                             const char           *password,
                                                             GCancellable         *cancellable,
                                                             GAsyncReadyCallback   callback,
                                                             gpointer              user_data);
gboolean          ob_device_registry_test_connection_finish (ObDeviceRegistry     *self,
                                                             GAsyncResult         *result,
                                                             char                **amt_version,
                                                             char                **guid,
                                                             GError              **error);

G_END_DECLS
