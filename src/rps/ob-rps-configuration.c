/* ob-rps-configuration.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-crypto.h"
#include "ob-rps-certificate.h"
#include "ob-rps-configuration.h"
#include "ob-rps-error.h"
#include "ob-util.h"

#define SAP_CLASS      "AMT_ManagementPresenceRemoteSAP"
#define POLICY_CLASS   "AMT_RemoteAccessPolicyRule"
#define ENV_CLASS      "AMT_EnvironmentDetectionSettingData"
#define ETHERNET_CLASS "AMT_EthernetPortSettings"
#define SAP_NAME       "Intel(r) AMT:Management Presence Server 0"

/* Periodic connection every 25 s: two big-endian uint32, 0 and 25. */
#define PERIODIC_EXTENDED_DATA "AAAAAAAAABk="

typedef enum
{
  STATE_INIT,
  /* A. clean-up */
  STATE_ETHERNET_SCAN,
  STATE_IEEE8021X,
  STATE_WIFI_ENDPOINTS,
  STATE_DELETE_WIFI_ENDPOINT,
  STATE_DELETE_POLICIES,
  STATE_MPS_SAP_SCAN,
  STATE_DELETE_MPS_SAP,
  STATE_TLS_SCAN,
  STATE_TLS_DISABLE,
  STATE_TLS_COMMIT,
  STATE_KEYS_SCAN,
  STATE_DELETE_KEYS,
  STATE_CERTS_SCAN,
  STATE_DELETE_CERTS,
  STATE_ENV_CLEAR,
  /* B. network */
  STATE_GENERAL_SETTINGS,
  STATE_ETHERNET,
  STATE_WIFI_SERVICE,
  STATE_WIFI_PORT,
  STATE_WIFI_ADD,
  /* C. features */
  STATE_REDIRECTION_GET,
  STATE_OPT_IN_GET,
  STATE_KVM_GET,
  STATE_REDIRECTION_STATE,
  STATE_KVM_STATE,
  STATE_REDIRECTION_PUT,
  STATE_OPT_IN_PUT,
  /* D. CIRA or TLS */
  STATE_CIRA_ROOT,
  STATE_CIRA_SAVE,
  STATE_CIRA_MP_SERVER,
  STATE_CIRA_SAP_NAME,
  STATE_CIRA_POLICY_PERIODIC,
  STATE_CIRA_POLICY_USER,
  STATE_CIRA_APPLIES_SCAN,
  STATE_CIRA_APPLIES_PUT,
  STATE_CIRA_USER_INITIATED,
  STATE_CIRA_ENV_GET,
  STATE_TLS,
  STATE_TLS_ROOT,
  STATE_TLS_KEY,
  STATE_TLS_KEYS_SCAN,
  STATE_TLS_ISSUE,
  STATE_TLS_ADD_CERT,
  STATE_TLS_CONTEXT,
  STATE_TLS_TIME_GET,
  STATE_TLS_TIME_SET,
  STATE_TLS_SETTINGS_SCAN,
  STATE_TLS_PUT_REMOTE,
  STATE_TLS_PUT_LOCAL,
  STATE_TLS_COMMIT_CHANGES,
  STATE_TLS_SAVE,
  STATE_DONE,
} State;

typedef struct _Edit Edit;

struct _ObRpsConfiguration
{
  ObRpsFlow      parent_instance;

  State          state;
  const Edit    *edit;           /* get_edit_put's, while its Get runs */
  State          edit_next;
  ObProfile     *profile;
  ObCiraConfig  *cira;
  guint          control_mode;

  JsonObject    *wired;          /* AMT_EthernetPortSettings "Settings 0" */
  JsonObject    *wireless;       /* "Settings 1" */
  GPtrArray     *pending;        /* JsonNode items still to delete/put */
  guint          index;          /* policy names, wifi links … */
  gboolean       keys_too;       /* TLS or 802.1x was on: delete key pairs */
  GPtrArray     *tls_settings;

  JsonObject    *redirection;
  JsonObject    *opt_in;
  JsonObject    *kvm;
  gboolean       want_sol, want_ider, want_kvm;

  char          *mps_password;
  char          *sap_name;

  ObRpsDeviceCa *device_ca;
  char          *key_handle;
  GBytes        *public_key;
  GBytes        *certificate;
  char          *certificate_handle;
  gint64         ta0;
  guint          wifi_added;
  guint          wifi_failed;
};

G_DEFINE_FINAL_TYPE (ObRpsConfiguration, ob_rps_configuration, OB_TYPE_RPS_FLOW)

static void advance (ObRpsConfiguration *self);

static void
ob_rps_configuration_finalize (GObject *object)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (object);

  g_clear_object (&self->profile);
  g_clear_object (&self->cira);
  g_clear_pointer (&self->wired, json_object_unref);
  g_clear_pointer (&self->wireless, json_object_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->tls_settings, g_ptr_array_unref);
  g_clear_pointer (&self->redirection, json_object_unref);
  g_clear_pointer (&self->opt_in, json_object_unref);
  g_clear_pointer (&self->kvm, json_object_unref);
  if (self->mps_password != NULL)
    ob_secure_free_string (self->mps_password);
  g_free (self->sap_name);
  g_clear_pointer (&self->device_ca, ob_rps_device_ca_free);
  g_free (self->key_handle);
  g_clear_pointer (&self->public_key, g_bytes_unref);
  g_clear_pointer (&self->certificate, g_bytes_unref);
  g_free (self->certificate_handle);

  G_OBJECT_CLASS (ob_rps_configuration_parent_class)->finalize (object);
}

static void
start (ObRpsFlow *flow)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  self->state = STATE_ETHERNET_SCAN;
  advance (self);
}

static void
ob_rps_configuration_class_init (ObRpsConfigurationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ObRpsFlowClass *flow_class = OB_RPS_FLOW_CLASS (klass);

  object_class->finalize = ob_rps_configuration_finalize;
  flow_class->action_name = "configure";
  flow_class->start = start;
}

static void
ob_rps_configuration_init (ObRpsConfiguration *self)
{
}

ObRpsConfiguration *
ob_rps_configuration_new (ObRpsWsman      *wsman,
                          ObRpcClientInfo *info,
                          ObRpsContext    *context,
                          ObProfile       *profile,
                          guint            control_mode)
{
  ObRpsConfiguration *self;

  g_return_val_if_fail (OB_IS_RPS_WSMAN (wsman), NULL);
  g_return_val_if_fail (OB_IS_PROFILE (profile), NULL);

  self = g_object_new (OB_TYPE_RPS_CONFIGURATION, "wsman", wsman, "info", info, "context", context, NULL);
  self->profile = g_object_ref (profile);
  self->control_mode = control_mode;
  self->want_sol = ob_profile_get_sol_enabled (profile);
  self->want_ider = ob_profile_get_ider_enabled (profile);
  self->want_kvm = ob_profile_get_kvm_enabled (profile);
  return self;
}

static ObRpsFlow *
flow_of (ObRpsConfiguration *self)
{
  return OB_RPS_FLOW (self);
}

static void
go (ObRpsConfiguration *self,
    State               state)
{
  self->state = state;
  advance (self);
}

static JsonObject *
item_object (gpointer item)
{
  JsonNode *node = item;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static void
keep_pending (ObRpsConfiguration *self,
              GPtrArray          *items)
{
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  for (guint i = 0; items != NULL && i < items->len; i++)
    g_ptr_array_add (self->pending, json_node_ref (g_ptr_array_index (items, i)));
}

/* Take the next pending item (NULL when none is left). */
static JsonNode *
next_pending (ObRpsConfiguration *self)
{
  if (self->pending == NULL || self->pending->len == 0)
    return NULL;
  return g_ptr_array_steal_index (self->pending, 0);
}

/* Most replies only move on; the step's state already says how it went. */
static void
on_continue (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  advance (OB_RPS_CONFIGURATION (flow));
}

/* The flow fails with @text, which also goes into the result object under
 * @status_key ("Network", "CIRAConnection", "TLSConfiguration"). */
static void
report_failure (ObRpsConfiguration *self,
                const char         *status_key,
                const char         *text)
{
  ob_rps_flow_set_status (flow_of (self), status_key, text);
  ob_rps_flow_fail_text (flow_of (self), "%s", text);
}

/* ---- Get, edit, put back ------------------------------------------------- */

/* Many steps read an instance, change a few members and put it back.  An
 * Edit describes one such change: edit_and_put () applies it to an
 * instance at hand (an Enumerate's item, a Get kept from earlier),
 * get_edit_put () gets the instance first.  The instance is edited in
 * place and put as it then is. */
typedef enum
{
  EDIT_UNCHANGED,  /* nothing to put back: go on */
  EDIT_CHANGED,    /* put the instance back */
  EDIT_FAILED,     /* the edit failed the flow */
} EditResult;

/* The Put's header selectors. */
typedef enum
{
  PUT_SELECTORS_NONE,
  PUT_SELECTORS_INSTANCE_ID,         /* the instance's InstanceID */
  PUT_SELECTORS_INSTANCE_ID_IF_ANY,  /* the same, none when it has none */
} PutSelectors;

struct _Edit
{
  const char     *class_name;
  ObRpsCallMode   get_mode;     /* get_edit_put's Get */
  ObRpsCallMode   put_mode;
  PutSelectors    selectors;
  EditResult    (*edit)        (ObRpsConfiguration *self,
                                JsonObject         *instance);
  /* No instance: nothing to do when NULL, else the flow fails with this
   * text (reported under status_key). */
  const char     *missing;
  const char     *status_key;
  /* The Put's reply; NULL moves on (to the state edit_and_put was given). */
  ObRpsFlowReply  put_reply;
};

static const Edit wired_settings_put;

/* Edit @instance (may be NULL) as @edit says, put it back when it changed,
 * then go on with @next. */
static void
edit_and_put (ObRpsConfiguration *self,
              const Edit         *edit,
              JsonObject         *instance,
              State               next)
{
  g_autoptr(ObWsmanSelectors) selectors = NULL;
  EditResult result;
  const char *id;

  if (instance == NULL && edit->missing != NULL)
    {
      report_failure (self, edit->status_key, edit->missing);
      return;
    }
  result = instance != NULL ? edit->edit (self, instance) : EDIT_UNCHANGED;
  if (result == EDIT_FAILED)
    return;
  if (result == EDIT_UNCHANGED)
    {
      go (self, next);
      return;
    }

  id = ob_rps_json_string (instance, "InstanceID");
  if (edit->selectors == PUT_SELECTORS_INSTANCE_ID
      || (edit->selectors == PUT_SELECTORS_INSTANCE_ID_IF_ANY && *id != '\0'))
    selectors = ob_wsman_selectors_new_with ("InstanceID", id, NULL);
  self->state = next;
  ob_rps_flow_put (flow_of (self), edit->put_mode, edit->class_name, selectors, instance,
                   edit->put_reply != NULL ? edit->put_reply : on_continue);
}

static void
on_edit_get (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  const Edit *edit = g_steal_pointer (&self->edit);

  edit_and_put (self, edit, ob_wsman_response_get_class_json (response, edit->class_name), self->edit_next);
}

/* Get the class's instance, then edit_and_put () it. */
static void
get_edit_put (ObRpsConfiguration *self,
              const Edit         *edit,
              State               next)
{
  self->edit = edit;
  self->edit_next = next;
  ob_rps_flow_get (flow_of (self), edit->get_mode, edit->class_name, NULL, on_edit_get);
}

/* ---- A. Clean-up ---------------------------------------------------------- */

static void
on_ethernet_scan (ObRpsFlow    *flow,
                  GPtrArray    *items,
                  const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  g_clear_pointer (&self->wired, json_object_unref);
  g_clear_pointer (&self->wireless, json_object_unref);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      JsonObject *port = item_object (g_ptr_array_index (items, i));
      const char *id = ob_rps_json_string (port, "InstanceID");

      /* A port exists when it has a MAC address. */
      if (port == NULL || *ob_rps_json_string (port, "MACAddress") == '\0')
        continue;
      if (strstr (id, "Settings 0") != NULL && self->wired == NULL)
        self->wired = json_object_ref (port);
      else if (strstr (id, "Settings 1") != NULL && self->wireless == NULL)
        self->wireless = json_object_ref (port);
    }
  ob_rps_flow_end_step (flow, self->wired != NULL && self->wireless != NULL ? "wired and wireless"
                              : self->wired != NULL ? "wired" : self->wireless != NULL ? "wireless" : "no port");
  if (self->state == STATE_ETHERNET_SCAN)
    go (self, self->wired != NULL ? STATE_IEEE8021X : STATE_WIFI_ENDPOINTS);
  else
    edit_and_put (self, &wired_settings_put, self->wired, STATE_WIFI_SERVICE);
}

/* Putting 802.1x on a device needs its certificates, which the reference
 * gets through Intel's Enterprise Assistant and we cannot yet: say so in
 * the timeline instead of leaving the admin to believe it is set. */
static void
note_ieee8021x_not_applied (ObRpsConfiguration *self)
{
  ObRpsFlow *flow = flow_of (self);
  const char *name = ob_profile_get_ieee8021x_profile_name (self->profile);
  g_autoptr(GError) error = NULL;

  if (name == NULL || *name == '\0')
    return;

  ob_rps_flow_begin_step (flow, "Apply 802.1x config %s", name);
  g_set_error (&error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
               "802.1x config %s was not applied: configuring 802.1x on a device is not "
               "supported yet, so its wired 802.1x is left off", name);
  g_message ("%s", error->message);
  ob_rps_flow_ignore_step (flow, error);
}

static EditResult
edit_ieee8021x_off (ObRpsConfiguration *self,
                    JsonObject         *settings)
{
  gint64 enabled = ob_rps_json_int (settings, "Enabled", 3);

  if (enabled != 2 && enabled != 6)
    return EDIT_UNCHANGED;
  json_object_remove_member (settings, "Username");
  json_object_remove_member (settings, "Password");
  json_object_remove_member (settings, "AuthenticationProtocol");
  json_object_set_int_member (settings, "Enabled", 3);
  self->keys_too = TRUE;
  return EDIT_CHANGED;
}

static const Edit ieee8021x_off_put = {
  "IPS_IEEE8021xSettings", OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_NONE,
  edit_ieee8021x_off, NULL, NULL, NULL,
};

static void
on_wifi_endpoints (ObRpsFlow    *flow,
                   GPtrArray    *items,
                   const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  g_autoptr(GPtrArray) deletable = g_ptr_array_new ();

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      JsonObject *entry = item_object (g_ptr_array_index (items, i));

      if (*ob_rps_json_string (entry, "InstanceID") != '\0' && ob_rps_json_int (entry, "Priority", 0) != 0)
        g_ptr_array_add (deletable, g_ptr_array_index (items, i));
    }
  keep_pending (self, deletable);
  go (self, STATE_DELETE_WIFI_ENDPOINT);
}

static void
delete_by (ObRpsConfiguration *self,
           const char         *class_name,
           const char         *key,
           const char         *value)
{
  g_autoptr(ObWsmanSelectors) selectors = ob_wsman_selectors_new_with (key, value, NULL);

  ob_rps_flow_delete (flow_of (self), OB_RPS_CALL_TOLERANT, class_name, selectors, on_continue);
}

static const char * const policy_names[] = { "User Initiated", "Alert", "Periodic" };

static void
on_mps_sap_scan (ObRpsFlow    *flow,
                 GPtrArray    *items,
                 const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  keep_pending (self, items);
  go (self, STATE_DELETE_MPS_SAP);
}

static void
on_tls_scan (ObRpsFlow    *flow,
             GPtrArray    *items,
             const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  gboolean enabled = FALSE;

  g_clear_pointer (&self->tls_settings, g_ptr_array_unref);
  self->tls_settings = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      g_ptr_array_add (self->tls_settings, json_node_ref (g_ptr_array_index (items, i)));
      enabled |= ob_rps_json_bool (item_object (g_ptr_array_index (items, i)), "Enabled", FALSE);
    }
  if (enabled)
    {
      self->keys_too = TRUE;
      self->index = 0;
      go (self, STATE_TLS_DISABLE);
    }
  else
    go (self, STATE_KEYS_SCAN);
}

static EditResult
edit_tls_off (ObRpsConfiguration *self,
              JsonObject         *setting)
{
  if (!ob_rps_json_bool (setting, "Enabled", FALSE))
    return EDIT_UNCHANGED;
  json_object_set_boolean_member (setting, "Enabled", FALSE);
  if (self->index == 1)
    {
      /* The remote (802.3) entry. */
      json_object_set_boolean_member (setting, "AcceptNonSecureConnections", TRUE);
      json_object_set_boolean_member (setting, "MutualAuthentication", FALSE);
      json_object_remove_member (setting, "TrustedCN");
    }
  return EDIT_CHANGED;
}

static const Edit tls_off_put = {
  "AMT_TLSSettingData", OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_INSTANCE_ID,
  edit_tls_off, NULL, NULL, NULL,
};

/* The first two entries (remote, local), one at a time. */
static void
tls_disable_next (ObRpsConfiguration *self)
{
  if (self->index < self->tls_settings->len && self->index < 2)
    {
      JsonObject *setting = item_object (g_ptr_array_index (self->tls_settings, self->index++));

      edit_and_put (self, &tls_off_put, setting, STATE_TLS_DISABLE);
      return;
    }
  go (self, STATE_TLS_COMMIT);
}

static void
after_commit_wait (ObRpsFlow *flow)
{
  go (OB_RPS_CONFIGURATION (flow), STATE_KEYS_SCAN);
}

static void
on_tls_commit (ObRpsFlow       *flow,
               ObWsmanResponse *response,
               const GError    *error)
{
  ob_rps_flow_wait (flow, ob_rps_flow_get_context (flow)->commit_delay_ms, "after CommitChanges",
                    after_commit_wait);
}

static void
on_items_to_delete (ObRpsFlow    *flow,
                    GPtrArray    *items,
                    const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  keep_pending (self, items);
  go (self, self->state == STATE_KEYS_SCAN ? STATE_DELETE_KEYS : STATE_DELETE_CERTS);
}

static EditResult
edit_env_clear (ObRpsConfiguration *self,
                JsonObject         *env)
{
  if (!json_object_has_member (env, "DetectionStrings"))
    return EDIT_UNCHANGED;
  json_object_remove_member (env, "DetectionStrings");
  return EDIT_CHANGED;
}

static const Edit env_clear_put = {
  ENV_CLASS, OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_INSTANCE_ID,
  edit_env_clear, NULL, NULL, NULL,
};

/* ---- B. Network ------------------------------------------------------------ */

static EditResult
edit_general_settings (ObRpsConfiguration *self,
                       JsonObject         *settings)
{
  if (ob_rps_json_bool (settings, "SharedFQDN", FALSE)
      && ob_rps_json_int (settings, "AMTNetworkEnabled", 0) == 1
      && ob_rps_json_bool (settings, "RmcpPingResponseEnabled", FALSE))
    return EDIT_UNCHANGED;
  json_object_set_boolean_member (settings, "SharedFQDN", TRUE);
  json_object_set_int_member (settings, "AMTNetworkEnabled", 1);
  json_object_set_boolean_member (settings, "RmcpPingResponseEnabled", TRUE);
  return EDIT_CHANGED;
}

static const Edit general_settings_put = {
  "AMT_GeneralSettings", OB_RPS_CALL_FATAL, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_NONE,
  edit_general_settings, NULL, NULL, NULL,
};

static void
on_ethernet_put (ObRpsFlow       *flow,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  JsonObject *echo = ob_wsman_response_get_class_json (response, ETHERNET_CLASS);
  gboolean dhcp = ob_profile_get_dhcp_enabled (self->profile);

  if (echo == NULL || ob_rps_json_bool (echo, "DHCPEnabled", !dhcp) != dhcp)
    {
      report_failure (self, "Network", "Failed to put to ethernet port settings");
      return;
    }
  ob_rps_flow_set_status (flow, "Network", "Wired Network Configured");
  advance (self);
}

static EditResult
edit_wired_settings (ObRpsConfiguration *self,
                     JsonObject         *port)
{
  gboolean ip_sync;

  if (ob_profile_get_dhcp_enabled (self->profile))
    {
      json_object_set_boolean_member (port, "DHCPEnabled", TRUE);
      ip_sync = TRUE;
      json_object_set_boolean_member (port, "SharedStaticIp", FALSE);
    }
  else
    {
      json_object_set_boolean_member (port, "DHCPEnabled", FALSE);
      ip_sync = ob_profile_get_ip_sync_enabled (self->profile);
      json_object_set_boolean_member (port, "SharedStaticIp", ip_sync);
      if (!ip_sync && (*ob_rps_json_string (port, "IPAddress") == '\0'
                       || *ob_rps_json_string (port, "SubnetMask") == '\0'))
        {
          ob_rps_flow_begin_step (flow_of (self), "Configure the wired port");
          report_failure (self, "Network",
                          "Invalid configuration - IPAddress and SubnetMask are required when AMT profile is static and IpSyncEnabled is false");
          return EDIT_FAILED;
        }
    }
  json_object_set_boolean_member (port, "IpSyncEnabled", ip_sync);
  if (ip_sync)
    {
      json_object_remove_member (port, "IPAddress");
      json_object_remove_member (port, "SubnetMask");
      json_object_remove_member (port, "DefaultGateway");
      json_object_remove_member (port, "PrimaryDNS");
      json_object_remove_member (port, "SecondaryDNS");
    }
  return EDIT_CHANGED;
}

/* Only ever edit_and_put () on the port the second scan found. */
static const Edit wired_settings_put = {
  ETHERNET_CLASS, OB_RPS_CALL_FATAL, OB_RPS_CALL_FATAL, PUT_SELECTORS_INSTANCE_ID,
  edit_wired_settings, NULL, NULL, on_ethernet_put,
};

static void
wifi_finish (ObRpsConfiguration *self)
{
  ObRpsFlow *flow = flow_of (self);
  GPtrArray *links = ob_profile_get_wifi_links (self->profile);

  if (links != NULL && links->len > 0)
    {
      g_autofree char *text = NULL;

      if (self->wifi_failed == 0)
        text = g_strdup ("Wireless Configured");
      else
        text = g_strdup_printf ("Added %u WiFi Profiles. Failed to add %u", self->wifi_added, self->wifi_failed);
      ob_rps_flow_set_status (flow, "Network", text);
    }
  else if (ob_profile_get_local_wifi_sync_enabled (self->profile))
    ob_rps_flow_set_status (flow, "Network", "Wireless Only Local Profile Sync Configured");
  go (self, STATE_REDIRECTION_GET);
}

static EditResult
edit_wifi_sync (ObRpsConfiguration *self,
                JsonObject         *service)
{
  if (ob_rps_json_int (service, "localProfileSynchronizationEnabled", 0) != 0)
    return EDIT_UNCHANGED;
  json_object_set_int_member (service, "localProfileSynchronizationEnabled", 3);
  return EDIT_CHANGED;
}

static const Edit wifi_sync_put = {
  "AMT_WiFiPortConfigurationService", OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_INSTANCE_ID_IF_ANY,
  edit_wifi_sync, NULL, NULL, NULL,
};

static void
on_wifi_added (ObRpsFlow       *flow,
               ObWsmanResponse *response,
               const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (error == NULL && ob_rps_flow_return_value (response, "AddWiFiSettings") == 0)
    self->wifi_added++;
  else
    self->wifi_failed++;
  self->index++;
  advance (self);
}

static void
add_wifi (ObRpsConfiguration *self)
{
  ObRpsFlow *flow = flow_of (self);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  GPtrArray *links = ob_profile_get_wifi_links (self->profile);
  ObProfileWifiLink *link;
  g_autoptr(ObWirelessConfig) config = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autoptr(GString) fragment = g_string_new ("");
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) endpoint = NULL;
  g_autofree char *endpoint_uri = ob_wsman_resource_uri_for_class ("CIM_WiFiEndpoint");
  g_autofree char *settings_uri = ob_wsman_resource_uri_for_class ("CIM_WiFiEndpointSettings");
  g_autofree char *instance_id = NULL;
  g_autofree char *psk = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GError) error = NULL;

  if (links == NULL || self->index >= links->len)
    {
      wifi_finish (self);
      return;
    }
  link = g_ptr_array_index (links, self->index);
  config = ob_store_get_wireless_config (context->store, link->name, &error);
  if (config == NULL)
    {
      ob_rps_flow_begin_step (flow, "Wireless profile %s", link->name);
      ob_rps_flow_ignore_step (flow, error);
      self->wifi_failed++;
      self->index++;
      advance (self);
      return;
    }

  instance_id = g_strdup_printf ("Intel(r) AMT:WiFi Endpoint Settings %s", link->name);
  json_object_set_string_member (settings, "ElementName", link->name);
  json_object_set_string_member (settings, "InstanceID", instance_id);
  json_object_set_int_member (settings, "AuthenticationMethod", ob_wireless_config_get_authentication_method (config));
  json_object_set_int_member (settings, "EncryptionMethod", ob_wireless_config_get_encryption_method (config));
  json_object_set_string_member (settings, "SSID", ob_wireless_config_get_ssid (config));
  json_object_set_int_member (settings, "Priority", link->priority);
  psk = ob_secret_store_lookup_text_sync (context->secrets, OB_SECRET_OWNER_WIRELESS, link->name,
                                          OB_SECRET_KIND_PSK_PASSPHRASE, NULL, NULL);
  if (psk != NULL)
    json_object_set_string_member (settings, "PSKPassPhrase", psk);
  if (!ob_wsman_append_json_members (fragment, "q", settings_uri, settings, &error))
    {
      ob_rps_flow_begin_step (flow, "Wireless profile %s", link->name);
      ob_rps_flow_ignore_step (flow, error);
      self->wifi_failed++;
      self->index++;
      advance (self);
      return;
    }
  if (psk != NULL)
    ob_secure_clear (psk, strlen (psk));

  endpoint = ob_wsman_selectors_new_with ("Name", "WiFi Endpoint 0", NULL);
  ob_wsman_selectors_add_reference (args, "WiFiEndpoint", NULL, endpoint_uri, endpoint);
  ob_wsman_selectors_add_xml (args, "WiFiEndpointSettingsInput", fragment->str);
  ob_secure_clear (fragment->str, fragment->len);
  ob_rps_flow_invoke (flow, OB_RPS_CALL_TOLERANT, "AMT_WiFiPortConfigurationService", "AddWiFiSettings",
                      NULL, args, on_wifi_added);
}

/* ---- C. Features -------------------------------------------------------------- */

static void
on_feature_get (ObRpsFlow       *flow,
                ObWsmanResponse *response,
                const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  const char *class_name = self->state == STATE_REDIRECTION_GET ? "AMT_RedirectionService"
                           : self->state == STATE_OPT_IN_GET ? "IPS_OptInService" : "CIM_KVMRedirectionSAP";
  JsonObject *object = ob_wsman_response_get_class_json (response, class_name);
  JsonObject **slot = self->state == STATE_REDIRECTION_GET ? &self->redirection
                      : self->state == STATE_OPT_IN_GET ? &self->opt_in : &self->kvm;

  g_clear_pointer (slot, json_object_unref);
  if (object != NULL)
    *slot = json_object_ref (object);
  go (self, self->state + 1);
}

static guint
redirection_state (gboolean sol,
                   gboolean ider)
{
  return 32768 + (sol ? 2 : 0) + (ider ? 1 : 0);
}

static gboolean
features_differ (ObRpsConfiguration *self)
{
  gint64 state = ob_rps_json_int (self->redirection, "EnabledState", 32768);
  gboolean sol = state == 32770 || state == 32771;
  gboolean ider = state == 32769 || state == 32771;
  gint64 kvm_state = ob_rps_json_int (self->kvm, "EnabledState", 3);
  gboolean kvm = kvm_state == 2 || kvm_state == 6;
  gboolean listener = ob_rps_json_bool (self->redirection, "ListenerEnabled", FALSE);

  return sol != self->want_sol || ider != self->want_ider || kvm != self->want_kvm
         || ((self->want_sol || self->want_ider || self->want_kvm) && !listener);
}

static void
set_redirection_state (ObRpsConfiguration *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *value = g_strdup_printf ("%u", redirection_state (self->want_sol, self->want_ider));

  if (self->redirection == NULL || !features_differ (self))
    {
      go (self, STATE_OPT_IN_PUT);
      return;
    }
  self->state = STATE_KVM_STATE;
  ob_wsman_selectors_add (args, "RequestedState", value);
  ob_rps_flow_invoke (flow_of (self), OB_RPS_CALL_TOLERANT, "AMT_RedirectionService", "RequestStateChange",
                      NULL, args, on_continue);
}

static void
set_kvm_state (ObRpsConfiguration *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

  self->state = STATE_REDIRECTION_PUT;
  if (self->kvm == NULL)
    {
      advance (self);
      return;
    }
  ob_wsman_selectors_add (args, "RequestedState", self->want_kvm ? "2" : "3");
  ob_rps_flow_invoke (flow_of (self), OB_RPS_CALL_TOLERANT, "CIM_KVMRedirectionSAP", "RequestStateChange",
                      NULL, args, on_continue);
}

static EditResult
edit_redirection (ObRpsConfiguration *self,
                  JsonObject         *redirection)
{
  json_object_set_int_member (redirection, "EnabledState", redirection_state (self->want_sol, self->want_ider));
  json_object_set_boolean_member (redirection, "ListenerEnabled", self->want_sol || self->want_ider || self->want_kvm);
  return EDIT_CHANGED;
}

/* On the instance kept from STATE_REDIRECTION_GET. */
static const Edit redirection_put = {
  "AMT_RedirectionService", OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_NONE,
  edit_redirection, NULL, NULL, NULL,
};

static gint64
wanted_opt_in (ObRpsConfiguration *self)
{
  const char *consent = ob_profile_get_user_consent (self->profile);

  if (g_strcmp0 (consent, OB_PROFILE_USER_CONSENT_NONE) == 0)
    return 0;
  if (g_strcmp0 (consent, OB_PROFILE_USER_CONSENT_KVM) == 0)
    return 1;
  if (g_strcmp0 (consent, OB_PROFILE_USER_CONSENT_ALL) == 0)
    return 4294967295;
  /* The reference's defaults: All in CCM, KVM in ACM. */
  return self->control_mode == 2 ? 1 : 4294967295;
}

static State
after_features (ObRpsConfiguration *self)
{
  if (ob_profile_get_cira_config_name (self->profile) != NULL)
    return STATE_CIRA_ROOT;
  if (ob_profile_get_tls_mode (self->profile) != 0)
    return STATE_TLS;
  return STATE_DONE;
}

static EditResult
edit_opt_in (ObRpsConfiguration *self,
             JsonObject         *opt_in)
{
  gint64 wanted = wanted_opt_in (self);

  if (ob_rps_json_int (opt_in, "OptInRequired", -1) == wanted)
    return EDIT_UNCHANGED;
  json_object_set_int_member (opt_in, "OptInRequired", wanted);
  return EDIT_CHANGED;
}

/* On the instance kept from STATE_OPT_IN_GET. */
static const Edit opt_in_put = {
  "IPS_OptInService", OB_RPS_CALL_TOLERANT, OB_RPS_CALL_TOLERANT, PUT_SELECTORS_NONE,
  edit_opt_in, NULL, NULL, NULL,
};

/* ---- D. CIRA ------------------------------------------------------------------ */

static void
cira_fail (ObRpsConfiguration *self,
           const char         *text)
{
  report_failure (self, "CIRAConnection", text);
}

static void
on_cira_root (ObRpsFlow       *flow,
              ObWsmanResponse *response,
              const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "AddTrustedRootCertificate");

  /* 2058 (PT_STATUS_DUPLICATE): AMT has this root already. */
  if (rv != 0 && rv != 2058)
    {
      cira_fail (self, "Failed to add the MPS root certificate");
      return;
    }
  go (self, STATE_CIRA_SAVE);
}

/* AMT refuses an MPS whose certificate is not issued to the name it
 * checks (the CN for an IP address, the address itself for an FQDN), and
 * the device then never calls home, with no word why on our side.  When the
 * MPS is ours we know its certificate: a mismatch is said here, in the
 * flow's steps and the log.  It does not fail the flow: a gateway in front
 * of the MPS may present another certificate. */
static void
check_mps_name (ObRpsConfiguration *self,
                const char         *root)
{
  ObRpsFlow *flow = flow_of (self);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  const char *address = ob_cira_config_get_mps_server_address (self->cira);
  const char *cn = ob_cira_config_get_common_name (self->cira);
  g_autoptr(GBytes) der = NULL;
  g_autoptr(GString) given = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *ours = NULL;
  const char *issued;
  const char *checked;

  if (context->cert_authority == NULL || !ob_cert_authority_get_ready (context->cert_authority))
    return;
  issued = ob_cert_authority_get_common_name (context->cert_authority);
  der = ob_cert_authority_dup_root_der (context->cert_authority);
  if (issued == NULL || der == NULL)
    return;
  /* Another MPS's root (pasted PEM bodies may hold line breaks). */
  ours = g_base64_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der));
  for (const char *c = root; *c != '\0'; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (given, *c);
  if (strcmp (given->str, ours) != 0)
    return;

  checked = ob_cira_config_get_server_address_format (self->cira) == 201 || cn == NULL || *cn == '\0'
    ? address : cn;
  if (checked == NULL || g_ascii_strcasecmp (checked, issued) == 0)
    return;

  ob_rps_flow_begin_step (flow, "Check the MPS name against its certificate");
  g_set_error (&error, OB_RPS_ERROR, OB_RPS_ERROR_REFUSED,
               "CIRA config %s makes AMT expect an MPS certificate issued to “%s”, but the MPS "
               "certificate is issued to “%s”: the device will not be able to connect. Make the "
               "MPS common name (Preferences) and the CIRA config's %s the same",
               ob_cira_config_get_name (self->cira), checked, issued,
               checked == cn ? "common name" : "MPS address");
  g_message ("%s", error->message);
  ob_rps_flow_ignore_step (flow, error);
}

static void
add_cira_root (ObRpsConfiguration *self)
{
  ObRpsFlow *flow = flow_of (self);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  const char *name = ob_profile_get_cira_config_name (self->profile);
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *root = NULL;

  self->cira = ob_store_get_cira_config (context->store, name, &error);
  if (self->cira == NULL)
    {
      ob_rps_flow_begin_step (flow, "Load CIRA config %s", name);
      cira_fail (self, error->message);
      return;
    }

  /* The config's MPS root; ours when it has none (the normal case for
   * Outband's own MPS). */
  root = g_strdup (ob_cira_config_get_mps_root_certificate (self->cira));
  if ((root == NULL || *root == '\0') && context->cert_authority != NULL
      && ob_cert_authority_get_ready (context->cert_authority))
    {
      g_autoptr(GBytes) der = ob_cert_authority_dup_root_der (context->cert_authority);

      g_free (root);
      root = der != NULL ? g_base64_encode (g_bytes_get_data (der, NULL), g_bytes_get_size (der)) : NULL;
    }
  if (root == NULL || *root == '\0')
    {
      ob_rps_flow_begin_step (flow, "Find the MPS root certificate");
      cira_fail (self, "No MPS root certificate: the CIRA config has none and the certificate authority is not ready");
      return;
    }
  check_mps_name (self, root);
  ob_wsman_selectors_add (args, "CertificateBlob", root);
  ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_PublicKeyManagementService", "AddTrustedRootCertificate",
                      NULL, args, on_cira_root);
}

/* In a worker thread: the keyring and the store. */
static gboolean
cira_save_work (ObRpsFlow  *flow,
                GError    **error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  const ObRpcClientInfo *info = ob_rps_flow_get_info (flow);
  g_autoptr(ObDeviceRecord) record = NULL;

  self->mps_password = ob_secret_store_lookup_text_sync (context->secrets, OB_SECRET_OWNER_CIRA_CONFIG,
                                                         ob_cira_config_get_name (self->cira),
                                                         OB_SECRET_KIND_MPS_PASSWORD, NULL, NULL);
  if (self->mps_password == NULL)
    self->mps_password = ob_random_password ();
  if (!ob_secret_store_store_text_sync (context->secrets, OB_SECRET_OWNER_DEVICE, info->uuid,
                                        OB_SECRET_KIND_MPS_PASSWORD, self->mps_password, NULL, error))
    return FALSE;
  record = ob_store_get_device (context->store, info->uuid, error);
  if (record == NULL)
    return FALSE;
  ob_device_record_set_mps_username (record, ob_cira_config_get_username (self->cira));
  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  return ob_store_update_device (context->store, record, error);
}

static void
cira_save_done (ObRpsFlow    *flow,
                const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (error != NULL)
    {
      cira_fail (self, error->message);
      return;
    }
  go (self, STATE_CIRA_MP_SERVER);
}

static void
cira_save (ObRpsConfiguration *self)
{
  ob_rps_flow_begin_step (flow_of (self), "Save the CIRA credentials");
  ob_rps_flow_work (flow_of (self), cira_save_work, cira_save_done);
}

static void
on_mp_server (ObRpsFlow       *flow,
              ObWsmanResponse *response,
              const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "AddMpServer");

  if (rv != 0)
    {
      g_autofree char *text = g_strdup_printf ("Failed to add the MPS server (ReturnValue %" G_GINT64_FORMAT ")", rv);

      cira_fail (self, text);
      return;
    }
  go (self, STATE_CIRA_SAP_NAME);
}

static void
add_mp_server (ObRpsConfiguration *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *format = g_strdup_printf ("%u", ob_cira_config_get_server_address_format (self->cira));
  g_autofree char *port = g_strdup_printf ("%u", ob_cira_config_get_mps_port (self->cira));
  const char *address = ob_cira_config_get_mps_server_address (self->cira);
  const char *cn = ob_cira_config_get_common_name (self->cira);

  ob_wsman_selectors_add (args, "AccessInfo", address);
  ob_wsman_selectors_add (args, "InfoFormat", format);
  ob_wsman_selectors_add (args, "Port", port);
  ob_wsman_selectors_add (args, "AuthMethod", "2");
  ob_wsman_selectors_add (args, "Username", ob_cira_config_get_username (self->cira));
  ob_wsman_selectors_add (args, "Password", self->mps_password);
  /* AMT matches the MPS certificate against CN when AccessInfo is an IP
   * address, against AccessInfo itself for an FQDN.  The reference sends
   * the text "undefined" when there is no common name; we send the
   * configured CN, else the address, which is what the certificate must
   * name in either case. */
  ob_wsman_selectors_add (args, "CN", cn != NULL && *cn != '\0' ? cn : address);
  ob_rps_flow_invoke (flow_of (self), OB_RPS_CALL_FATAL, "AMT_RemoteAccessService", "AddMpServer",
                      NULL, args, on_mp_server);
}

static void
on_sap_name (ObRpsFlow    *flow,
             GPtrArray    *items,
             const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  JsonObject *sap = items != NULL && items->len > 0 ? item_object (g_ptr_array_index (items, 0)) : NULL;

  g_free (self->sap_name);
  self->sap_name = g_strdup (sap != NULL && *ob_rps_json_string (sap, "Name") != '\0'
                               ? ob_rps_json_string (sap, "Name") : SAP_NAME);
  ob_rps_flow_end_step (flow, self->sap_name);
  go (self, STATE_CIRA_POLICY_PERIODIC);
}

static ObWsmanSelectors *
sap_selectors (const char *name)
{
  return ob_wsman_selectors_new_with ("CreationClassName", SAP_CLASS,
                                      "Name", name,
                                      "SystemCreationClassName", "CIM_ComputerSystem",
                                      "SystemName", "Intel(r) AMT",
                                      NULL);
}

static void
on_policy (ObRpsFlow       *flow,
           ObWsmanResponse *response,
           const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "AddRemoteAccessPolicyRule");

  if (rv != 0)
    {
      cira_fail (self, self->state == STATE_CIRA_POLICY_PERIODIC ? "Failed to add the periodic connection policy"
                                                                 : "Failed to add the user initiated connection policy");
      return;
    }
  go (self, self->state + 1);
}

static void
add_policy (ObRpsConfiguration *self,
            gboolean            periodic)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autoptr(ObWsmanSelectors) sap = sap_selectors (self->sap_name);
  g_autofree char *sap_uri = ob_wsman_resource_uri_for_class (SAP_CLASS);

  ob_wsman_selectors_add (args, "Trigger", periodic ? "2" : "0");
  ob_wsman_selectors_add (args, "TunnelLifeTime", periodic ? "0" : "300");
  ob_wsman_selectors_add (args, "ExtendedData", periodic ? PERIODIC_EXTENDED_DATA : "");
  ob_wsman_selectors_add_reference (args, "MpServer", NULL, sap_uri, sap);
  ob_rps_flow_invoke (flow_of (self), OB_RPS_CALL_FATAL, "AMT_RemoteAccessService",
                      "AddRemoteAccessPolicyRule", NULL, args, on_policy);
}

static void
on_applies_scan (ObRpsFlow    *flow,
                 GPtrArray    *items,
                 const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  keep_pending (self, items);
  go (self, STATE_CIRA_APPLIES_PUT);
}

/* The policy rule an AMT_RemoteAccessPolicyAppliesToMPS points at.  A
 * reply's JSON keeps only the selector values (CreationClassName,
 * PolicyRuleName, SystemCreationClassName, SystemName in AMT's order). */
static const char *
applies_policy_name (JsonObject *item)
{
  JsonObject *policy_set = NULL, *parameters = NULL, *selector_set = NULL;
  JsonNode *selector;

  if (item != NULL && json_object_has_member (item, "PolicySet"))
    policy_set = json_object_get_object_member (item, "PolicySet");
  if (policy_set != NULL && json_object_has_member (policy_set, "ReferenceParameters"))
    parameters = json_object_get_object_member (policy_set, "ReferenceParameters");
  if (parameters != NULL && json_object_has_member (parameters, "SelectorSet"))
    selector_set = json_object_get_object_member (parameters, "SelectorSet");
  if (selector_set == NULL || (selector = json_object_get_member (selector_set, "Selector")) == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_ARRAY (selector))
    {
      JsonArray *values = json_node_get_array (selector);

      for (guint i = 0; i < json_array_get_length (values); i++)
        {
          JsonNode *v = json_array_get_element (values, i);
          const char *text;

          if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
            continue;
          text = json_node_get_string (v);
          for (gsize k = 0; k < G_N_ELEMENTS (policy_names); k++)
            if (g_strcmp0 (text, policy_names[k]) == 0)
              return text;
        }
    }
  return NULL;
}

static void
epr_json (JsonObject       *parent,
          const char       *member,
          const char       *class_name,
          ObWsmanSelectors *selectors)
{
  g_autofree char *uri = ob_wsman_resource_uri_for_class (class_name);
  JsonObject *epr = json_object_new ();
  JsonObject *parameters = json_object_new ();
  JsonObject *selector_set = json_object_new ();
  JsonArray *selector = json_array_new ();

  for (guint i = 0; i < ob_wsman_selectors_get_length (selectors); i++)
    {
      JsonObject *entry = json_object_new ();
      JsonObject *attributes = json_object_new ();

      json_object_set_string_member (attributes, "Name", ob_wsman_selectors_get_name (selectors, i));
      json_object_set_object_member (entry, "$", attributes);
      json_object_set_string_member (entry, "_", ob_wsman_selectors_get_value (selectors, i));
      json_array_add_object_element (selector, entry);
    }
  json_object_set_array_member (selector_set, "Selector", selector);
  json_object_set_string_member (parameters, "ResourceURI", uri);
  json_object_set_object_member (parameters, "SelectorSet", selector_set);
  json_object_set_string_member (epr, "Address", OB_WSMAN_ADDRESS_ANONYMOUS);
  json_object_set_object_member (epr, "ReferenceParameters", parameters);
  json_object_set_object_member (parent, member, epr);
}

static void
put_applies (ObRpsConfiguration *self)
{
  g_autoptr(JsonNode) node = next_pending (self);
  JsonObject *item = item_object (node);
  const char *policy;
  g_autoptr(ObWsmanSelectors) sap = NULL;
  g_autoptr(ObWsmanSelectors) rule = NULL;
  g_autoptr(ObWsmanSelectors) header = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *sap_uri = NULL;
  g_autofree char *rule_uri = NULL;

  if (node == NULL)
    {
      go (self, STATE_CIRA_USER_INITIATED);
      return;
    }
  policy = applies_policy_name (item);
  if (policy == NULL)
    {
      advance (self);
      return;
    }
  sap = sap_selectors (self->sap_name);
  rule = ob_wsman_selectors_new_with ("CreationClassName", POLICY_CLASS,
                                      "PolicyRuleName", policy,
                                      "SystemCreationClassName", "CIM_ComputerSystem",
                                      "SystemName", "Intel(r) AMT",
                                      NULL);
  sap_uri = ob_wsman_resource_uri_for_class (SAP_CLASS);
  rule_uri = ob_wsman_resource_uri_for_class (POLICY_CLASS);
  header = ob_wsman_selectors_new ();
  ob_wsman_selectors_add_reference (header, "ManagedElement", NULL, sap_uri, sap);
  ob_wsman_selectors_add_reference (header, "PolicySet", NULL, rule_uri, rule);

  body = json_object_new ();
  epr_json (body, "ManagedElement", SAP_CLASS, sap);
  json_object_set_int_member (body, "OrderOfAccess", 0);
  json_object_set_int_member (body, "MpsType", 2);
  epr_json (body, "PolicySet", POLICY_CLASS, rule);
  ob_rps_flow_put (flow_of (self), OB_RPS_CALL_TOLERANT, "AMT_RemoteAccessPolicyAppliesToMPS", header, body,
                   on_continue);
}

static void
on_user_initiated (ObRpsFlow       *flow,
                   ObWsmanResponse *response,
                   const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (ob_rps_flow_return_value (response, "RequestStateChange") != 0)
    {
      cira_fail (self, "Failed to enable user initiated connections");
      return;
    }
  go (self, STATE_CIRA_ENV_GET);
}

static EditResult
edit_cira_env (ObRpsConfiguration *self,
               JsonObject         *env)
{
  ObRpsContext *context = ob_rps_flow_get_context (flow_of (self));
  g_autofree char *domain = NULL;
  JsonArray *strings;

  /* A domain AMT will never find itself in, so it always calls home. */
  if (context->cira_domain_name != NULL && *context->cira_domain_name != '\0')
    domain = g_strdup (context->cira_domain_name);
  else
    {
      g_autofree char *uuid = g_uuid_string_random ();

      domain = g_strdup_printf ("%s.com", uuid);
    }
  strings = json_array_new ();
  json_array_add_string_element (strings, domain);
  json_object_set_array_member (env, "DetectionStrings", strings);
  ob_rps_flow_set_status (flow_of (self), "CIRAConnection", "Configured");
  return EDIT_CHANGED;
}

static const Edit cira_env_put = {
  ENV_CLASS, OB_RPS_CALL_FATAL, OB_RPS_CALL_FATAL, PUT_SELECTORS_INSTANCE_ID,
  edit_cira_env, "No environment detection settings", "CIRAConnection", NULL,
};

/* ---- D. TLS (self-signed) ------------------------------------------------------- */

static void
tls_fail (ObRpsConfiguration *self,
          const char         *text)
{
  report_failure (self, "TLSConfiguration", text);
}

/* The InstanceID an EPR output (KeyPair, CreatedCertificate) carries: its
 * selector's text, all a converted reply keeps. */
static const char *
epr_selector (JsonObject *output,
              const char *member)
{
  JsonObject *epr = NULL, *parameters = NULL, *selector_set = NULL;
  JsonNode *selector;

  if (output != NULL && json_object_has_member (output, member)
      && JSON_NODE_HOLDS_OBJECT (json_object_get_member (output, member)))
    epr = json_object_get_object_member (output, member);
  if (epr != NULL && json_object_has_member (epr, "ReferenceParameters"))
    parameters = json_object_get_object_member (epr, "ReferenceParameters");
  if (parameters != NULL && json_object_has_member (parameters, "SelectorSet"))
    selector_set = json_object_get_object_member (parameters, "SelectorSet");
  if (selector_set == NULL || (selector = json_object_get_member (selector_set, "Selector")) == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_ARRAY (selector) && json_array_get_length (json_node_get_array (selector)) > 0)
    selector = json_array_get_element (json_node_get_array (selector), 0);
  if (JSON_NODE_HOLDS_VALUE (selector) && json_node_get_value_type (selector) == G_TYPE_STRING)
    return json_node_get_string (selector);
  return NULL;
}

static gboolean
tls_ca_work (ObRpsFlow  *flow,
             GError    **error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  self->device_ca = ob_rps_device_ca_new (ob_rps_flow_get_info (flow)->uuid, error);
  return self->device_ca != NULL;
}

static void
tls_ca_done (ObRpsFlow    *flow,
             const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (error != NULL)
    {
      tls_fail (self, error->message);
      return;
    }
  go (self, STATE_TLS_ROOT);
}

static void
on_tls_root (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  gint64 rv = ob_rps_flow_return_value (response, "AddTrustedRootCertificate");

  if (rv != 0 && rv != 2058)
    {
      tls_fail (self, "Failed to add the TLS root certificate");
      return;
    }
  go (self, STATE_TLS_KEY);
}

static void
on_tls_key (ObRpsFlow       *flow,
            ObWsmanResponse *response,
            const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  const char *handle = epr_selector (ob_wsman_response_get_class_json (response, "GenerateKeyPair_OUTPUT"),
                                     "KeyPair");

  if (ob_rps_flow_return_value (response, "GenerateKeyPair") != 0 || handle == NULL)
    {
      tls_fail (self, "Failed to generate a key pair");
      return;
    }
  g_free (self->key_handle);
  self->key_handle = g_strdup (handle);
  ob_rps_flow_end_step (flow, handle);
  go (self, STATE_TLS_KEYS_SCAN);
}

static void
on_tls_keys (ObRpsFlow    *flow,
             GPtrArray    *items,
             const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  for (guint i = 0; items != NULL && i < items->len; i++)
    {
      JsonObject *pair = item_object (g_ptr_array_index (items, i));

      if (g_strcmp0 (ob_rps_json_string (pair, "InstanceID"), self->key_handle) == 0)
        {
          gsize len = 0;
          guchar *der = g_base64_decode (ob_rps_json_string (pair, "DERKey"), &len);

          g_clear_pointer (&self->public_key, g_bytes_unref);
          self->public_key = g_bytes_new_take (der, len);
        }
    }
  if (self->public_key == NULL || g_bytes_get_size (self->public_key) == 0)
    {
      tls_fail (self, "The generated key pair has no public key");
      return;
    }
  go (self, STATE_TLS_ISSUE);
}

static gboolean
tls_issue_work (ObRpsFlow  *flow,
                GError    **error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  self->certificate = ob_rps_device_ca_issue (self->device_ca, self->public_key, error);
  return self->certificate != NULL;
}

static void
tls_issue_done (ObRpsFlow    *flow,
                const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (error != NULL)
    {
      tls_fail (self, error->message);
      return;
    }
  go (self, STATE_TLS_ADD_CERT);
}

static void
on_tls_cert (ObRpsFlow       *flow,
             ObWsmanResponse *response,
             const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  const char *handle = epr_selector (ob_wsman_response_get_class_json (response, "AddCertificate_OUTPUT"),
                                     "CreatedCertificate");

  if (ob_rps_flow_return_value (response, "AddCertificate") != 0 || handle == NULL)
    {
      tls_fail (self, "Failed to add the TLS certificate");
      return;
    }
  g_free (self->certificate_handle);
  self->certificate_handle = g_strdup (handle);
  go (self, STATE_TLS_CONTEXT);
}

static void
on_tls_context (ObRpsFlow       *flow,
                ObWsmanResponse *response,
                const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  /* One context is all AMT keeps: an existing one is fine. */
  if (error != NULL && strstr (error->message, "AlreadyExists") == NULL)
    {
      tls_fail (self, "Failed to create the TLS credential context");
      return;
    }
  go (self, STATE_TLS_TIME_GET);
}

static void
create_tls_context (ObRpsConfiguration *self)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(ObWsmanSelectors) cert = ob_wsman_selectors_new_with ("InstanceID", self->certificate_handle, NULL);
  g_autoptr(ObWsmanSelectors) collection =
    ob_wsman_selectors_new_with ("ElementName", "TLSProtocolEndpointInstances Collection", NULL);

  epr_json (body, "ElementInContext", "AMT_PublicKeyCertificate", cert);
  epr_json (body, "ElementProvidingContext", "AMT_TLSProtocolEndpointCollection", collection);
  ob_rps_flow_create (flow_of (self), OB_RPS_CALL_TOLERANT, "AMT_TLSCredentialContext", body, on_tls_context);
}

static void
on_tls_time_get (ObRpsFlow       *flow,
                 ObWsmanResponse *response,
                 const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  JsonObject *output = ob_wsman_response_get_class_json (response, "GetLowAccuracyTimeSynch_OUTPUT");

  if (ob_rps_flow_return_value (response, "GetLowAccuracyTimeSynch") != 0 || output == NULL)
    {
      tls_fail (self, "Failed to read the device's clock");
      return;
    }
  self->ta0 = ob_rps_json_int (output, "Ta0", 0);
  go (self, STATE_TLS_TIME_SET);
}

static void
set_tls_time (ObRpsConfiguration *self)
{
  g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
  g_autofree char *ta0 = g_strdup_printf ("%" G_GINT64_FORMAT, self->ta0);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);

  self->state = STATE_TLS_SETTINGS_SCAN;
  ob_wsman_selectors_add (args, "Ta0", ta0);
  ob_wsman_selectors_add (args, "Tm1", now);
  ob_wsman_selectors_add (args, "Tm2", now);
  ob_rps_flow_invoke (flow_of (self), OB_RPS_CALL_FATAL, "AMT_TimeSynchronizationService",
                      "SetHighAccuracyTimeSynch", NULL, args, on_continue);
}

static void
on_tls_settings (ObRpsFlow    *flow,
                 GPtrArray    *items,
                 const GError *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  g_clear_pointer (&self->tls_settings, g_ptr_array_unref);
  self->tls_settings = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  for (guint i = 0; items != NULL && i < items->len; i++)
    g_ptr_array_add (self->tls_settings, json_node_ref (g_ptr_array_index (items, i)));
  go (self, STATE_TLS_PUT_REMOTE);
}

/* The remote (802.3) or the local (LMS) TLS settings. */
static JsonObject *
tls_setting (ObRpsConfiguration *self,
             gboolean            local)
{
  for (guint i = 0; self->tls_settings != NULL && i < self->tls_settings->len; i++)
    {
      JsonObject *setting = item_object (g_ptr_array_index (self->tls_settings, i));
      gboolean is_local = strstr (ob_rps_json_string (setting, "InstanceID"), "LMS") != NULL
                          || strstr (ob_rps_json_string (setting, "ElementName"), "LMS") != NULL;

      if (setting != NULL && is_local == local)
        return setting;
    }
  return NULL;
}

static void
after_remote_wait (ObRpsFlow *flow)
{
  advance (OB_RPS_CONFIGURATION (flow));
}

static void
on_tls_remote (ObRpsFlow       *flow,
               ObWsmanResponse *response,
               const GError    *error)
{
  ob_rps_flow_wait (flow, ob_rps_flow_get_context (flow)->commit_delay_ms, "after the remote TLS settings",
                    after_remote_wait);
}

static EditResult
edit_tls_remote (ObRpsConfiguration *self,
                 JsonObject         *setting)
{
  guint mode = ob_profile_get_tls_mode (self->profile);

  json_object_set_boolean_member (setting, "Enabled", TRUE);
  if (ob_rps_json_bool (setting, "NonSecureConnectionsSupported", TRUE))
    json_object_set_boolean_member (setting, "AcceptNonSecureConnections", mode != 1 && mode != 3);
  json_object_set_boolean_member (setting, "MutualAuthentication", mode == 3 || mode == 4);
  return EDIT_CHANGED;
}

static EditResult
edit_tls_local (ObRpsConfiguration *self,
                JsonObject         *setting)
{
  json_object_set_boolean_member (setting, "Enabled", TRUE);
  return EDIT_CHANGED;
}

static const Edit tls_remote_put = {
  "AMT_TLSSettingData", OB_RPS_CALL_FATAL, OB_RPS_CALL_FATAL, PUT_SELECTORS_INSTANCE_ID,
  edit_tls_remote, "The device has no remote TLS settings", "TLSConfiguration", on_tls_remote,
};

static const Edit tls_local_put = {
  "AMT_TLSSettingData", OB_RPS_CALL_FATAL, OB_RPS_CALL_FATAL, PUT_SELECTORS_INSTANCE_ID,
  edit_tls_local, "The device has no local TLS settings", "TLSConfiguration", NULL,
};

static void
on_tls_commit_changes (ObRpsFlow       *flow,
                       ObWsmanResponse *response,
                       const GError    *error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);

  if (ob_rps_flow_return_value (response, "CommitChanges") != 0)
    {
      tls_fail (self, "Failed to commit the TLS settings");
      return;
    }
  ob_rps_flow_set_status (flow, "TLSConfiguration", "Configured");
  go (self, STATE_TLS_SAVE);
}

/* In a worker thread: from now on the LAN client speaks TLS on 16993 and
 * pins the certificate we issued. */
static gboolean
tls_save_work (ObRpsFlow  *flow,
               GError    **error)
{
  ObRpsConfiguration *self = OB_RPS_CONFIGURATION (flow);
  ObRpsContext *context = ob_rps_flow_get_context (flow);
  g_autoptr(ObDeviceRecord) record = ob_store_get_device (context->store, ob_rps_flow_get_info (flow)->uuid, error);
  g_autofree char *fingerprint = NULL;

  if (record == NULL)
    return FALSE;
  fingerprint = ob_crypto_fingerprint (self->certificate, OB_HASH_ALGORITHM_SHA256);
  ob_device_record_set_use_tls (record, TRUE);
  ob_device_record_set_port (record, 16993);
  ob_device_record_set_pinned_fingerprint (record, fingerprint);
  return ob_store_update_device (context->store, record, error);
}

static void
tls_save_done (ObRpsFlow    *flow,
               const GError *error)
{
  if (error != NULL)
    {
      ob_rps_flow_fail (flow, g_error_copy (error));
      return;
    }
  go (OB_RPS_CONFIGURATION (flow), STATE_DONE);
}

/* ---- The machine ---------------------------------------------------------------- */

static void
advance (ObRpsConfiguration *self)
{
  ObRpsFlow *flow = flow_of (self);
  g_autoptr(JsonNode) node = NULL;

  if (ob_rps_flow_get_finished (flow))
    return;

  switch (self->state)
    {
    case STATE_INIT:
      g_assert_not_reached ();
      break;

    case STATE_ETHERNET_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, ETHERNET_CLASS, on_ethernet_scan);
      break;
    case STATE_IEEE8021X:
      note_ieee8021x_not_applied (self);
      get_edit_put (self, &ieee8021x_off_put, STATE_WIFI_ENDPOINTS);
      break;
    case STATE_WIFI_ENDPOINTS:
      if (self->wireless == NULL)
        go (self, STATE_DELETE_POLICIES);
      else
        ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, "CIM_WiFiEndpointSettings", on_wifi_endpoints);
      break;
    case STATE_DELETE_WIFI_ENDPOINT:
      node = next_pending (self);
      if (node == NULL)
        {
          self->index = 0;
          go (self, STATE_DELETE_POLICIES);
        }
      else
        delete_by (self, "CIM_WiFiEndpointSettings", "InstanceID", ob_rps_json_string (item_object (node), "InstanceID"));
      break;
    case STATE_DELETE_POLICIES:
      if (self->index >= G_N_ELEMENTS (policy_names))
        go (self, STATE_MPS_SAP_SCAN);
      else
        delete_by (self, POLICY_CLASS, "PolicyRuleName", policy_names[self->index++]);
      break;
    case STATE_MPS_SAP_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, SAP_CLASS, on_mps_sap_scan);
      break;
    case STATE_DELETE_MPS_SAP:
      node = next_pending (self);
      if (node == NULL)
        go (self, STATE_TLS_SCAN);
      else
        {
          ob_rps_flow_set_status (flow, "CIRAConnection", "unconfigured");
          delete_by (self, SAP_CLASS, "Name", ob_rps_json_string (item_object (node), "Name"));
        }
      break;
    case STATE_TLS_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, "AMT_TLSSettingData", on_tls_scan);
      break;
    case STATE_TLS_DISABLE:
      tls_disable_next (self);
      break;
    case STATE_TLS_COMMIT:
      ob_rps_flow_invoke (flow, OB_RPS_CALL_TOLERANT, "AMT_SetupAndConfigurationService", "CommitChanges",
                          NULL, NULL, on_tls_commit);
      break;
    case STATE_KEYS_SCAN:
      if (!self->keys_too)
        go (self, STATE_CERTS_SCAN);
      else
        ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, "AMT_PublicPrivateKeyPair", on_items_to_delete);
      break;
    case STATE_DELETE_KEYS:
      node = next_pending (self);
      if (node == NULL)
        go (self, STATE_CERTS_SCAN);
      else
        delete_by (self, "AMT_PublicPrivateKeyPair", "InstanceID", ob_rps_json_string (item_object (node), "InstanceID"));
      break;
    case STATE_CERTS_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, "AMT_PublicKeyCertificate", on_items_to_delete);
      break;
    case STATE_DELETE_CERTS:
      node = next_pending (self);
      if (node == NULL)
        go (self, STATE_ENV_CLEAR);
      else
        delete_by (self, "AMT_PublicKeyCertificate", "InstanceID", ob_rps_json_string (item_object (node), "InstanceID"));
      break;
    case STATE_ENV_CLEAR:
      get_edit_put (self, &env_clear_put, STATE_GENERAL_SETTINGS);
      break;

    case STATE_GENERAL_SETTINGS:
      /* Next: the ports again, then the wired Put. */
      get_edit_put (self, &general_settings_put, STATE_ETHERNET);
      break;
    case STATE_ETHERNET:
      /* The ports again (the Put sends back the current instance). */
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, ETHERNET_CLASS, on_ethernet_scan);
      break;
    case STATE_WIFI_SERVICE:
      if (self->wireless == NULL
          || ((ob_profile_get_wifi_links (self->profile) == NULL || ob_profile_get_wifi_links (self->profile)->len == 0)
              && !ob_profile_get_local_wifi_sync_enabled (self->profile)))
        go (self, STATE_REDIRECTION_GET);
      else
        get_edit_put (self, &wifi_sync_put, STATE_WIFI_PORT);
      break;
    case STATE_WIFI_PORT:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

        self->state = STATE_WIFI_ADD;
        self->index = 0;
        ob_wsman_selectors_add (args, "RequestedState", "32769");
        ob_rps_flow_invoke (flow, OB_RPS_CALL_TOLERANT, "CIM_WiFiPort", "RequestStateChange", NULL, args,
                            on_continue);
      }
      break;
    case STATE_WIFI_ADD:
      add_wifi (self);
      break;

    case STATE_REDIRECTION_GET:
      ob_rps_flow_get (flow, OB_RPS_CALL_TOLERANT, "AMT_RedirectionService", NULL, on_feature_get);
      break;
    case STATE_OPT_IN_GET:
      ob_rps_flow_get (flow, OB_RPS_CALL_TOLERANT, "IPS_OptInService", NULL, on_feature_get);
      break;
    case STATE_KVM_GET:
      ob_rps_flow_get (flow, OB_RPS_CALL_TOLERANT, "CIM_KVMRedirectionSAP", NULL, on_feature_get);
      break;
    case STATE_REDIRECTION_STATE:
      set_redirection_state (self);
      break;
    case STATE_KVM_STATE:
      set_kvm_state (self);
      break;
    case STATE_REDIRECTION_PUT:
      edit_and_put (self, &redirection_put, self->redirection, STATE_OPT_IN_PUT);
      break;
    case STATE_OPT_IN_PUT:
      edit_and_put (self, &opt_in_put, self->opt_in, after_features (self));
      break;

    case STATE_CIRA_ROOT:
      add_cira_root (self);
      break;
    case STATE_CIRA_SAVE:
      cira_save (self);
      break;
    case STATE_CIRA_MP_SERVER:
      add_mp_server (self);
      break;
    case STATE_CIRA_SAP_NAME:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, SAP_CLASS, on_sap_name);
      break;
    case STATE_CIRA_POLICY_PERIODIC:
      add_policy (self, TRUE);
      break;
    case STATE_CIRA_POLICY_USER:
      add_policy (self, FALSE);
      break;
    case STATE_CIRA_APPLIES_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_TOLERANT, "AMT_RemoteAccessPolicyAppliesToMPS", on_applies_scan);
      break;
    case STATE_CIRA_APPLIES_PUT:
      put_applies (self);
      break;
    case STATE_CIRA_USER_INITIATED:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();

        ob_wsman_selectors_add (args, "RequestedState", "32771");
        ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_UserInitiatedConnectionService", "RequestStateChange",
                            NULL, args, on_user_initiated);
      }
      break;
    case STATE_CIRA_ENV_GET:
      get_edit_put (self, &cira_env_put, STATE_DONE);
      break;

    case STATE_TLS:
      /* A Microsoft CA needs Enterprise Assistant, which we do not have:
       * say so instead of pretending. */
      if (g_strcmp0 (ob_profile_get_tls_signing_authority (self->profile), OB_PROFILE_TLS_AUTHORITY_MICROSOFT_CA) == 0)
        {
          tls_fail (self, "TLS certificates from a Microsoft CA are not supported");
          break;
        }
      ob_rps_flow_begin_step (flow, "Make the device's certificate authority");
      ob_rps_flow_work (flow, tls_ca_work, tls_ca_done);
      break;
    case STATE_TLS_ROOT:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
        GBytes *root = ob_rps_device_ca_get_root (self->device_ca);
        g_autofree char *blob = g_base64_encode (g_bytes_get_data (root, NULL), g_bytes_get_size (root));

        ob_wsman_selectors_add (args, "CertificateBlob", blob);
        ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_PublicKeyManagementService",
                            "AddTrustedRootCertificate", NULL, args, on_tls_root);
      }
      break;
    case STATE_TLS_KEY:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new_with ("KeyAlgorithm", "0", "KeyLength", "2048", NULL);

        ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_PublicKeyManagementService", "GenerateKeyPair",
                            NULL, args, on_tls_key);
      }
      break;
    case STATE_TLS_KEYS_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, "AMT_PublicPrivateKeyPair", on_tls_keys);
      break;
    case STATE_TLS_ISSUE:
      ob_rps_flow_begin_step (flow, "Issue the device's TLS certificate");
      ob_rps_flow_work (flow, tls_issue_work, tls_issue_done);
      break;
    case STATE_TLS_ADD_CERT:
      {
        g_autoptr(ObWsmanSelectors) args = ob_wsman_selectors_new ();
        g_autofree char *blob = g_base64_encode (g_bytes_get_data (self->certificate, NULL),
                                                 g_bytes_get_size (self->certificate));

        ob_wsman_selectors_add (args, "CertificateBlob", blob);
        ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_PublicKeyManagementService", "AddCertificate",
                            NULL, args, on_tls_cert);
      }
      break;
    case STATE_TLS_CONTEXT:
      create_tls_context (self);
      break;
    case STATE_TLS_TIME_GET:
      ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_TimeSynchronizationService", "GetLowAccuracyTimeSynch",
                          NULL, NULL, on_tls_time_get);
      break;
    case STATE_TLS_TIME_SET:
      set_tls_time (self);
      break;
    case STATE_TLS_SETTINGS_SCAN:
      ob_rps_flow_enumerate (flow, OB_RPS_CALL_FATAL, "AMT_TLSSettingData", on_tls_settings);
      break;
    case STATE_TLS_PUT_REMOTE:
      edit_and_put (self, &tls_remote_put, tls_setting (self, FALSE), STATE_TLS_PUT_LOCAL);
      break;
    case STATE_TLS_PUT_LOCAL:
      edit_and_put (self, &tls_local_put, tls_setting (self, TRUE), STATE_TLS_COMMIT_CHANGES);
      break;
    case STATE_TLS_COMMIT_CHANGES:
      ob_rps_flow_invoke (flow, OB_RPS_CALL_FATAL, "AMT_SetupAndConfigurationService", "CommitChanges",
                          NULL, NULL, on_tls_commit_changes);
      break;
    case STATE_TLS_SAVE:
      ob_rps_flow_begin_step (flow, "Save the device's TLS settings");
      ob_rps_flow_work (flow, tls_save_work, tls_save_done);
      break;

    case STATE_DONE:
      ob_rps_flow_succeed (flow);
      break;
    default:
      g_assert_not_reached ();
    }
}
