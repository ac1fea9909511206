/* ob-sim-provisioning.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "ob-sim-device.h"
#include "ob-wsman-response.h"

G_BEGIN_DECLS

/* ObSimProvisioning: the provisioning side of a simulated AMT device, what
 * a remote provisioning server (Open AMT's RPS through rpc-go) talks to
 * (rps-rpc-activation.md §3, §4): host-based setup in client control mode,
 * admin setup with a provisioning certificate chain whose root must be one
 * of the trusted root hashes and a signed nonce, the accounts (the local
 * system account "$$OsAdmin" and the admin account, kept as its digest
 * HA1 only, as the firmware is given it), and everything configuration
 * writes: MEBx password, wired (and wireless) network settings, 802.1x,
 * certificates and key pairs, TLS settings and credential context, MPS
 * servers and remote access policies (CIRA), environment detection, the
 * user initiated connection service, time synchronization, unprovision.
 *
 * Attached to an ObSimDevice (which owns it); the device's WS-Man server
 * then serves the classes below and authenticates against its accounts.
 * A device without it keeps the single account its server was given.
 *
 * Classes served here (Get, Enumerate/Pull, and the actions listed):
 *   AMT_GeneralSettings (Put), AMT_SetupAndConfigurationService methods
 *   (Unprovision, SetMEBxPassword, CommitChanges, GetUuid),
 *   IPS_HostBasedSetupService (Setup, AddNextCertInChain, AdminSetup,
 *   UpgradeClientToAdmin), AMT_AuthorizationService (SetAdminAclEntryEx),
 *   AMT_EthernetPortSettings (Put), IPS_IEEE8021xSettings (Put),
 *   AMT_PublicKeyManagementService (AddTrustedRootCertificate,
 *   AddCertificate, GenerateKeyPair), AMT_PublicKeyCertificate (Delete),
 *   AMT_PublicPrivateKeyPair (Delete), AMT_TLSSettingData (Put),
 *   AMT_TLSCredentialContext (Create, Delete), AMT_RemoteAccessService
 *   (AddMpServer, AddRemoteAccessPolicyRule), AMT_ManagementPresenceRemoteSAP
 *   (Delete), AMT_RemoteAccessPolicyRule (Delete),
 *   AMT_RemoteAccessPolicyAppliesToMPS (Put),
 *   AMT_UserInitiatedConnectionService (RequestStateChange),
 *   AMT_EnvironmentDetectionSettingData (Put), AMT_TimeSynchronizationService
 *   (GetLowAccuracyTimeSynch, SetHighAccuracyTimeSynch), and with a wireless
 *   port AMT_WiFiPortConfigurationService (Put, AddWiFiSettings),
 *   CIM_WiFiPort (RequestStateChange), CIM_WiFiEndpointSettings (Delete). */

#define OB_TYPE_SIM_PROVISIONING (ob_sim_provisioning_get_type ())

G_DECLARE_FINAL_TYPE (ObSimProvisioning, ob_sim_provisioning, OB, SIM_PROVISIONING, GObject)

/* The firmware's local system account (rpc-go reads it over MEI). */
#define OB_SIM_LSA_USERNAME "$$OsAdmin"
/* AMT's admin account until SetAdminAclEntryEx renames it. */
#define OB_SIM_ADMIN_USERNAME "admin"

/* IPS_HostBasedSetupService AddNextCertInChain / Setup / AdminSetup
 * ReturnValues (§3.2). */
#define OB_SIM_HBS_SUCCESS             0u
#define OB_SIM_HBS_INVALID_PARAMETER   1u   /* AddNextCertInChain */
#define OB_SIM_HBS_INTERNAL_ERROR      2u   /* AddNextCertInChain */
#define OB_SIM_HBS_INVALID_STATE       3u   /* AddNextCertInChain */
#define OB_SIM_HBS_CERT_VERIFY_FAILED  4u   /* AddNextCertInChain */
#define OB_SIM_HBS_CHAIN_TOO_LONG      5u   /* AddNextCertInChain */
#define OB_SIM_SETUP_SUCCESS           0u   /* Setup, AdminSetup */
#define OB_SIM_SETUP_INTERNAL_ERROR    1u
#define OB_SIM_SETUP_INVALID_STATE     2u
#define OB_SIM_SETUP_INVALID_PARAMETER 3u
#define OB_SIM_SETUP_METHOD_DISABLED   4u
#define OB_SIM_SETUP_AUTH_FAILED       5u

/* Longest chain AddNextCertInChain takes (leaf, two intermediates, root). */
#define OB_SIM_MAX_CHAIN_LENGTH 4

/* Attach to @device (it owns the result; attaching twice returns the same
 * object).  The device's control mode is left as it is; an activated
 * device needs ob_sim_provisioning_set_admin_password(). */
ObSimProvisioning *ob_sim_provisioning_attach              (ObSimDevice       *device);
/* The attached object, or NULL. */
ObSimProvisioning *ob_sim_provisioning_peek                (ObSimDevice       *device);
ObSimDevice       *ob_sim_provisioning_get_device          (ObSimProvisioning *self);

/* ---- set-up (what the firmware or the OEM put there) ---------------- */

/* Trusted root certificate hashes: lowercase or uppercase hex of SHA-1,
 * SHA-256 or SHA-384 (told apart by length).  FALSE for anything else. */
gboolean           ob_sim_provisioning_add_trusted_hash    (ObSimProvisioning *self,
                                                            const char        *hex);
/* Lowercase hex, in the order added (what rpc-go sends as certHashes). */
GStrv              ob_sim_provisioning_dup_trusted_hashes  (ObSimProvisioning *self);
/* Control modes host-based setup allows (default both). */
void               ob_sim_provisioning_set_allowed_modes   (ObSimProvisioning *self,
                                                            gboolean           ccm,
                                                            gboolean           acm);
/* A wireless port besides the wired one (default none). */
void               ob_sim_provisioning_set_has_wireless    (ObSimProvisioning *self,
                                                            gboolean           has_wireless);
gboolean           ob_sim_provisioning_get_has_wireless    (ObSimProvisioning *self);
/* The host's IPv4 configuration (what IP sync follows). */
void               ob_sim_provisioning_set_host_ip         (ObSimProvisioning *self,
                                                            const char        *address,
                                                            const char        *netmask,
                                                            const char        *gateway,
                                                            const char        *dns);

/* The host's IPv4 configuration (borrowed; gateway and dns may be NULL). */
void               ob_sim_provisioning_get_host_ip         (ObSimProvisioning *self,
                                                            const char       **address,
                                                            const char       **netmask,
                                                            const char       **gateway,
                                                            const char       **dns);

/* ---- accounts ------------------------------------------------------- */

const char        *ob_sim_provisioning_get_lsa_password    (ObSimProvisioning *self);
/* The admin account's user name, or NULL before activation. */
const char        *ob_sim_provisioning_get_admin_username  (ObSimProvisioning *self);
/* Set the admin password directly (a device activated elsewhere). */
void               ob_sim_provisioning_set_admin_password  (ObSimProvisioning *self,
                                                            const char        *password);
/* Whether @password is the admin account's password. */
gboolean           ob_sim_provisioning_check_admin_password (ObSimProvisioning *self,
                                                             const char        *password);
/* The HA1 (lowercase hex) to check a digest answer from @username
 * against, or NULL when there is no such account. */
char              *ob_sim_provisioning_dup_account_ha1     (ObSimProvisioning *self,
                                                            const char        *username);
/* The MEBx password set by SetMEBxPassword, or NULL. */
const char        *ob_sim_provisioning_get_mebx_password   (ObSimProvisioning *self);

/* ---- host-based setup ----------------------------------------------- */

/* The 20-byte ConfigurationNonce now (a new one after each admin setup
 * attempt). */
GBytes            *ob_sim_provisioning_dup_nonce           (ObSimProvisioning *self);
/* Back to pre-provisioning, everything configured dropped (the firmware's
 * Unprovision, or a local unprovision). */
void               ob_sim_provisioning_unprovision         (ObSimProvisioning *self);

/* ---- what configuration wrote ---------------------------------------- */

/* MPS servers (AddMpServer), in order. */
guint              ob_sim_provisioning_get_n_mps_servers   (ObSimProvisioning *self);
/* The fields of MPS server @index; any out pointer may be NULL. */
gboolean           ob_sim_provisioning_get_mps_server      (ObSimProvisioning *self,
                                                            guint              index,
                                                            const char       **access_info,
                                                            guint             *info_format,
                                                            guint             *port,
                                                            const char       **username,
                                                            const char       **password,
                                                            const char       **common_name);
/* Trigger of each policy rule (0 user initiated, 1 alert, 2 periodic);
 * the periodic rule's interval in seconds (0 if none). */
gboolean           ob_sim_provisioning_has_policy          (ObSimProvisioning *self,
                                                            guint              trigger);
guint              ob_sim_provisioning_get_periodic_interval (ObSimProvisioning *self);
/* DER of the trusted root certificates (AddTrustedRootCertificate), in
 * order (element type GBytes). */
GPtrArray         *ob_sim_provisioning_dup_trusted_roots   (ObSimProvisioning *self);
GStrv              ob_sim_provisioning_dup_detection_strings (ObSimProvisioning *self);
guint              ob_sim_provisioning_get_user_initiated_state (ObSimProvisioning *self);
gboolean           ob_sim_provisioning_get_dhcp_enabled    (ObSimProvisioning *self);
gboolean           ob_sim_provisioning_get_ip_sync_enabled (ObSimProvisioning *self);
const char        *ob_sim_provisioning_get_ip_address      (ObSimProvisioning *self);
gboolean           ob_sim_provisioning_get_tls_enabled     (ObSimProvisioning *self);
guint              ob_sim_provisioning_get_n_wifi_profiles (ObSimProvisioning *self);
/* SSID of WiFi profile @index (in priority order). */
const char        *ob_sim_provisioning_get_wifi_ssid       (ObSimProvisioning *self,
                                                            guint              index);
/* Device seconds of the last SetHighAccuracyTimeSynch (0: never). */
gint64             ob_sim_provisioning_get_last_time_sync  (ObSimProvisioning *self);
guint              ob_sim_provisioning_get_n_commits       (ObSimProvisioning *self);

/* ---- for ObSimWsmanDispatch -------------------------------------------- */

typedef struct
{
  ObWsmanRequest       *request;
  const ObSimInitiator *who;
  const char           *class_name;
  const char           *resource_uri;
  const char           *relates_to;
  const char           *message_id;
} ObSimProvisioningCall;

/* Instances of @class_name when this object serves that class (for
 * Enumerate), else NULL. */
GPtrArray         *ob_sim_provisioning_dup_instances       (ObSimProvisioning           *self,
                                                            const char                  *class_name);
/* The reply to a call this object serves (@status 200 or 400), or NULL
 * to leave the call to the dispatcher (Enumerate and Pull always are). */
char              *ob_sim_provisioning_handle              (ObSimProvisioning           *self,
                                                            const ObSimProvisioningCall *call,
                                                            guint                       *status);

G_END_DECLS
