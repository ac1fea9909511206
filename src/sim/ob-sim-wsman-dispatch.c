/* ob-sim-wsman-dispatch.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-sim-provisioning.h"
#include "ob-sim-wsman-dispatch.h"
#include "ob-sim-xml.h"
#include "ob-wsman-response.h"

#define ACTION_ADDRESSING_FAULT  "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"
#define ACTION_ENUMERATION_FAULT "http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault"
#define ACTION_TRANSFER_FAULT    "http://schemas.xmlsoap.org/ws/2004/09/transfer/fault"
#define FAULT_DETAIL_BASE        "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"

/* Open enumerations a device keeps before it drops the oldest. */
#define MAX_ENUMERATIONS 64
/* Records one AMT_AuditLog.ReadRecords call returns. */
#define AUDIT_RECORDS_PER_CALL 10
/* AMT_MessageLog.GetRecords default and ceiling of MaxReadRecords. */
#define EVENT_RECORDS_PER_CALL 390

typedef struct
{
  char      *id;
  GPtrArray *items;   /* ObSimInstance */
  guint      position;
} Enumeration;

struct _ObSimWsmanDispatch
{
  ObSimDevice *device;
  GHashTable  *enumerations;   /* id -> Enumeration */
  GQueue       order;          /* ids, oldest first (borrowed from the table) */
  guint32      enumeration_counter;
  guint64      message_counter;
};

typedef struct
{
  ObSimWsmanDispatch   *self;
  ObSimDevice          *device;
  ObWsmanRequest       *request;
  const ObSimInitiator *who;
  const char           *class_name;
  const char           *resource_uri;
  const char           *relates_to;
  char                 *message_id;
  guint                 status;
} Call;

typedef GPtrArray *(*InstancesFunc) (ObSimDevice *device);
typedef char      *(*HandlerFunc)   (Call        *call);

typedef struct
{
  const char  *name;
  HandlerFunc  func;
} MethodEntry;

typedef struct
{
  const char        *class_name;
  /* Instances of a dynamic class; NULL: the device inventory holds them. */
  InstancesFunc      instances;
  HandlerFunc        put;
  HandlerFunc        delete;
  const MethodEntry *methods;
  /* Absent on SKUs without KVM. */
  gboolean           kvm_only;
} ClassEntry;

static const ClassEntry *find_class (const char *class_name);

static void
enumeration_free (gpointer data)
{
  Enumeration *e = data;

  g_free (e->id);
  g_ptr_array_unref (e->items);
  g_free (e);
}

/* ---- JSON helpers -------------------------------------------------------- */

/* The text of a scalar JSON member (the request parser may have turned
 * "12" into a number and "true" into a boolean), or NULL. */
static char *
member_text (JsonObject *object,
             const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;

  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);

        if (d >= 0 && d <= (double) G_MAXUINT64 && d == (double) (guint64) d)
          return g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) d);
        return NULL;
      }
    default:
      return NULL;
    }
}

static JsonObject *
member_object (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* FALSE when present but not a boolean; unchanged when absent. */
static gboolean
read_bool (JsonObject *object,
           const char *name,
           gboolean   *value)
{
  g_autofree char *text = member_text (object, name);

  if (object != NULL && json_object_has_member (object, name) && text == NULL)
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (g_ascii_strcasecmp (text, "true") == 0)
    *value = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0)
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
read_uint (JsonObject *object,
           const char *name,
           guint64     max,
           guint      *value)
{
  g_autofree char *text = member_text (object, name);
  guint64 v;

  if (object != NULL && json_object_has_member (object, name) && text == NULL)
    return FALSE;
  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

/* The Body member called @name (the Put instance or method input). */
static JsonObject *
body_member (Call       *call,
             const char *name)
{
  JsonNode *body = ob_wsman_request_get_body_json (call->request);

  if (body == NULL || !JSON_NODE_HOLDS_OBJECT (body))
    return NULL;
  return member_object (json_node_get_object (body), name);
}

/* A method argument: text value of input element @name. */
static const char *
argument (Call       *call,
          const char *name)
{
  ObWsmanSelectors *args = ob_wsman_request_get_arguments (call->request);

  return ob_wsman_selectors_lookup (args, name);
}

/* The InstanceID selector of the EPR argument @name, or NULL. */
static const char *
reference_instance_id (Call       *call,
                       const char *name,
                       gboolean   *present)
{
  ObWsmanSelectors *args = ob_wsman_request_get_arguments (call->request);
  guint n = ob_wsman_selectors_get_length (args);

  *present = FALSE;
  for (guint i = 0; i < n; i++)
    {
      const char *address, *uri;
      ObWsmanSelectors *epr = NULL;

      if (!g_str_equal (ob_wsman_selectors_get_name (args, i), name))
        continue;
      *present = TRUE;
      if (!ob_wsman_selectors_get_reference (args, i, &address, &uri, &epr) || epr == NULL)
        return NULL;
      return ob_wsman_selectors_lookup (epr, "InstanceID");
    }
  return NULL;
}

/* ---- Replies ------------------------------------------------------------ */

static char *
fault (Call       *call,
       const char *action,
       const char *code,
       const char *subcode,
       const char *reason,
       const char *detail_xml)
{
  call->status = 400;
  return ob_sim_xml_build_fault (action, call->relates_to, call->message_id,
                                 code, subcode, reason, detail_xml);
}

static char *
fault_destination_unreachable (Call *call)
{
  return fault (call, ACTION_ADDRESSING_FAULT, "Sender", "b:DestinationUnreachable",
                "No route can be determined to reach the destination role defined by the WSAddressing To.",
                NULL);
}

static char *
fault_action_not_supported (Call *call)
{
  g_autofree char *action = NULL;
  g_autofree char *detail = NULL;

  action = g_markup_escape_text (ob_wsman_request_get_action (call->request), -1);
  detail = g_strdup_printf ("<b:Action>%s</b:Action>", action);
  return fault (call, ACTION_ADDRESSING_FAULT, "Sender", "b:ActionNotSupported",
                "The action is not supported by the service.", detail);
}

static char *
fault_invalid_selectors (Call       *call,
                         const char *why)
{
  g_autofree char *detail = g_strdup_printf ("<e:FaultDetail>" FAULT_DETAIL_BASE "%s</e:FaultDetail>", why);

  return fault (call, OB_WSMAN_ACTION_FAULT, "Sender", "e:InvalidSelectors",
                "The Selectors for the resource are not valid.", detail);
}

static char *
fault_invalid_representation (Call       *call,
                              const char *why)
{
  g_autofree char *detail = g_strdup_printf ("<e:FaultDetail>" FAULT_DETAIL_BASE "%s</e:FaultDetail>", why);

  return fault (call, OB_WSMAN_ACTION_FAULT, "Sender", "d:InvalidRepresentation",
                "The XML content is not valid.", detail);
}

static char *
reply_instance (Call          *call,
                const char    *action,
                ObSimInstance *instance)
{
  ObSimXmlWriter *w = ob_sim_xml_writer_new ();
  char *xml;

  ob_sim_xml_writer_instance (w, instance);
  xml = ob_sim_xml_writer_finish (w, action, call->relates_to, call->message_id, call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

/* <g:METHOD_OUTPUT>[extra]<g:ReturnValue>n</g:ReturnValue></g:METHOD_OUTPUT>:
 * AMT writes the outputs in name order, and ReturnValue sorts last in
 * every output used here. */
typedef void (*OutputFunc) (ObSimXmlWriter *w,
                            const char     *prefix,
                            gpointer        data);

static char *
reply_method (Call       *call,
              const char *method,
              guint       return_value,
              OutputFunc  extra,
              gpointer    data)
{
  ObSimXmlWriter *w = ob_sim_xml_writer_new ();
  const char *g = ob_sim_xml_writer_prefix (w, call->resource_uri);
  g_autofree char *output = g_strconcat (method, "_OUTPUT", NULL);
  g_autofree char *action = g_strconcat (call->resource_uri, "/", method, "Response", NULL);
  char rv[16];
  char *xml;

  ob_sim_xml_writer_open (w, g, output);
  if (extra != NULL)
    extra (w, g, data);
  g_snprintf (rv, sizeof rv, "%u", return_value);
  ob_sim_xml_writer_element (w, g, "ReturnValue", rv);
  ob_sim_xml_writer_close (w, g, output);
  xml = ob_sim_xml_writer_finish (w, action, call->relates_to, call->message_id, call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

/* ---- Instances of dynamic classes ---------------------------------------- */

static GPtrArray *
single (ObSimInstance *instance)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_instance_unref);

  g_ptr_array_add (list, instance);
  return list;
}

static void
add_service_keys (ObSimInstance *i,
                  const char    *creation_class,
                  const char    *name)
{
  ob_sim_instance_add_string (i, "CreationClassName", creation_class);
  ob_sim_instance_add_string (i, "ElementName", name);
}

static GPtrArray *
associated_power_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("CIM_AssociatedPowerManagementService");
  const char *service[] = {
    "CreationClassName", "CIM_PowerManagementService",
    "Name", "Intel(r) AMT Power Management Service",
    "SystemCreationClassName", "CIM_ComputerSystem",
    "SystemName", "Intel(r) AMT",
    NULL
  };
  const char *system[] = { "CreationClassName", "CIM_ComputerSystem", "Name", "ManagedSystem", NULL };
  guint n;
  const guint *states = ob_sim_device_get_available_power_states (device, &n);

  for (guint k = 0; k < n; k++)
    ob_sim_instance_add_uint (i, "AvailableRequestedPowerStates", states[k]);
  ob_sim_instance_add_uint (i, "PowerState", ob_sim_device_get_power_state (device));
  ob_sim_instance_add_reference (i, "ServiceProvided", OB_WSMAN_URI_CIM "CIM_PowerManagementService", service);
  ob_sim_instance_add_reference (i, "UserOfService", OB_WSMAN_URI_CIM "CIM_ComputerSystem", system);
  return single (i);
}

static ObSimInstance *
power_service (const char *class_name)
{
  ObSimInstance *i = ob_sim_instance_new (class_name);

  add_service_keys (i, class_name, "Intel(r) AMT Power Management Service");
  ob_sim_instance_add_uint (i, "EnabledState", 5);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Power Management Service");
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
  return i;
}

static GPtrArray *
cim_power_service_instances (ObSimDevice *device)
{
  return single (power_service ("CIM_PowerManagementService"));
}

static GPtrArray *
ips_power_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = power_service ("IPS_PowerManagementService");

  /* AMT leaves OSPowerSavingState out while the host is not on. */
  if (ob_sim_device_get_power_state (device) == OB_SIM_POWER_ON)
    ob_sim_instance_add_uint (i, "OSPowerSavingState", ob_sim_device_get_os_power_saving_state (device));
  return single (i);
}

static GPtrArray *
boot_capabilities_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_BootCapabilities");
  gboolean modern = ob_sim_device_get_amt_major (device) >= 15;

  ob_sim_instance_add_bool (i, "AMTSecureBootControl", FALSE);
  ob_sim_instance_add_bool (i, "BIOSPause", FALSE);
  ob_sim_instance_add_bool (i, "BIOSReflash", TRUE);
  ob_sim_instance_add_bool (i, "BIOSSecureBoot", TRUE);
  ob_sim_instance_add_bool (i, "BIOSSetup", TRUE);
  ob_sim_instance_add_bool (i, "ConfigurationDataReset", FALSE);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT: Boot Capabilities");
  ob_sim_instance_add_bool (i, "ForceCDorDVDBoot", TRUE);
  ob_sim_instance_add_bool (i, "ForceDiagnosticBoot", FALSE);
  ob_sim_instance_add_bool (i, "ForceHardDriveBoot", TRUE);
  ob_sim_instance_add_bool (i, "ForceHardDriveSafeModeBoot", FALSE);
  ob_sim_instance_add_bool (i, "ForcePXEBoot", TRUE);
  ob_sim_instance_add_bool (i, "ForceUEFIHTTPSBoot", modern);
  ob_sim_instance_add_bool (i, "ForceUEFIPBABoot", FALSE);
  ob_sim_instance_add_bool (i, "ForceWinREBoot", FALSE);
  ob_sim_instance_add_bool (i, "ForcedProgressEvents", TRUE);
  ob_sim_instance_add_bool (i, "IDER", TRUE);
  ob_sim_instance_add_string (i, "InstanceID", "Intel(r) AMT:BootCapabilities 0");
  ob_sim_instance_add_bool (i, "KeyboardLock", TRUE);
  ob_sim_instance_add_bool (i, "PowerButtonLock", FALSE);
  ob_sim_instance_add_bool (i, "ResetButtonLock", FALSE);
  ob_sim_instance_add_bool (i, "SOL", TRUE);
  ob_sim_instance_add_bool (i, "SecureErase", FALSE);
  ob_sim_instance_add_bool (i, "SleepButtonLock", FALSE);
  ob_sim_instance_add_bool (i, "UEFIWiFiCoExistenceAndProfileShare", FALSE);
  ob_sim_instance_add_bool (i, "UserPasswordBypass", TRUE);
  ob_sim_instance_add_bool (i, "VerbosityQuiet", FALSE);
  ob_sim_instance_add_bool (i, "VerbosityScreenBlank", FALSE);
  ob_sim_instance_add_bool (i, "VerbosityVerbose", FALSE);
  return single (i);
}

static GPtrArray *
boot_setting_data_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_BootSettingData");
  ObSimBootSettings b;
  const char *uefi = ob_sim_device_get_uefi_boot_parameters (device);

  ob_sim_device_get_boot_settings (device, &b);
  ob_sim_instance_add_uint (i, "BIOSLastStatus", 2);
  ob_sim_instance_add_uint (i, "BIOSLastStatus", 0);
  ob_sim_instance_add_bool (i, "BIOSPause", b.bios_pause);
  ob_sim_instance_add_bool (i, "BIOSSetup", b.bios_setup);
  ob_sim_instance_add_uint (i, "BootMediaIndex", b.boot_media_index);
  ob_sim_instance_add_uint (i, "BootguardStatus", 127);
  ob_sim_instance_add_bool (i, "ConfigurationDataReset", b.configuration_data_reset);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Boot Configuration Settings");
  ob_sim_instance_add_bool (i, "EnforceSecureBoot", b.enforce_secure_boot);
  ob_sim_instance_add_uint (i, "FirmwareVerbosity", b.firmware_verbosity);
  ob_sim_instance_add_bool (i, "ForcedProgressEvents", b.forced_progress_events);
  ob_sim_instance_add_uint (i, "IDERBootDevice", b.ider_boot_device);
  ob_sim_instance_add_string (i, "InstanceID", "Intel(r) AMT:BootSettingData 0");
  ob_sim_instance_add_bool (i, "LockKeyboard", b.lock_keyboard);
  ob_sim_instance_add_bool (i, "LockPowerButton", b.lock_power_button);
  ob_sim_instance_add_bool (i, "LockResetButton", b.lock_reset_button);
  ob_sim_instance_add_bool (i, "LockSleepButton", b.lock_sleep_button);
  ob_sim_instance_add_bool (i, "OptionsCleared", ob_sim_device_get_boot_options_cleared (device));
  ob_sim_instance_add_string (i, "OwningEntity", "Intel(r) AMT");
  ob_sim_instance_add_bool (i, "PlatformErase", b.platform_erase);
  ob_sim_instance_add_bool (i, "RPEEnabled", FALSE);
  ob_sim_instance_add_string (i, "RSEPassword", "");
  ob_sim_instance_add_bool (i, "ReflashBIOS", b.reflash_bios);
  ob_sim_instance_add_bool (i, "SecureBootControlEnabled", FALSE);
  ob_sim_instance_add_bool (i, "SecureErase", b.secure_erase);
  ob_sim_instance_add_bool (i, "UEFIHTTPSBootEnabled", ob_sim_device_get_amt_major (device) >= 15);
  ob_sim_instance_add_bool (i, "UEFILocalPBABootEnabled", FALSE);
  ob_sim_instance_add_uint (i, "UefiBootNumberOfParams", b.uefi_boot_number_of_params);
  if (uefi != NULL)
    ob_sim_instance_add_string (i, "UefiBootParametersArray", uefi);
  ob_sim_instance_add_bool (i, "UseIDER", b.use_ider);
  ob_sim_instance_add_bool (i, "UseSOL", b.use_sol);
  ob_sim_instance_add_bool (i, "UseSafeMode", b.use_safe_mode);
  ob_sim_instance_add_bool (i, "UserPasswordBypass", b.user_password_bypass);
  ob_sim_instance_add_bool (i, "WinREBootEnabled", FALSE);
  return single (i);
}

static GPtrArray *
boot_config_setting_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("CIM_BootConfigSetting");

  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT: Boot Configuration");
  ob_sim_instance_add_string (i, "InstanceID", OB_SIM_BOOT_CONFIG_INSTANCE);
  return single (i);
}

static GPtrArray *
boot_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("CIM_BootService");

  add_service_keys (i, "CIM_BootService", "Intel(r) AMT Boot Service");
  ob_sim_instance_add_uint (i, "EnabledState", ob_sim_device_get_boot_service_state (device));
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Boot Service");
  ob_sim_instance_add_uint (i, "OperationalStatus", 0);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
  return single (i);
}

static GPtrArray *
setup_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_SetupAndConfigurationService");
  ObSimControlMode mode = ob_sim_device_get_control_mode (device);

  add_service_keys (i, "AMT_SetupAndConfigurationService", "Intel(r) AMT Setup and Configuration Service");
  ob_sim_instance_add_uint (i, "EnabledState", 5);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Setup and Configuration Service");
  ob_sim_instance_add_uint (i, "PasswordModel", 1);
  ob_sim_instance_add_uint (i, "ProvisioningMode", mode == OB_SIM_CONTROL_MODE_CCM ? 4 : 1);
  ob_sim_instance_add_string (i, "ProvisioningServerOTP", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  ob_sim_instance_add_uint (i, "ProvisioningState", mode == OB_SIM_CONTROL_MODE_PRE_PROVISIONING ? 0 : 2);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
  ob_sim_instance_add_bool (i, "ZeroTouchConfigurationEnabled", TRUE);
  return single (i);
}

static GPtrArray *
general_settings_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_GeneralSettings");

  ob_sim_instance_add_uint (i, "AMTNetworkEnabled", 1);
  ob_sim_instance_add_uint (i, "DDNSPeriodicUpdateInterval", 1440);
  ob_sim_instance_add_uint (i, "DDNSTTL", 900);
  ob_sim_instance_add_bool (i, "DDNSUpdateByDHCPServerEnabled", TRUE);
  ob_sim_instance_add_bool (i, "DDNSUpdateEnabled", FALSE);
  ob_sim_instance_add_uint (i, "DHCPSyncRequiresHostname", 1);
  ob_sim_instance_add_uint (i, "DHCPv6ConfigurationTimeout", 0);
  ob_sim_instance_add_string (i, "DigestRealm", ob_sim_device_get_digest_realm (device));
  ob_sim_instance_add_string (i, "DomainName", ob_sim_device_get_domain_name (device));
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT: General Settings");
  ob_sim_instance_add_string (i, "HostName", ob_sim_device_get_hostname (device));
  ob_sim_instance_add_string (i, "HostOSFQDN", ob_sim_device_get_hostname (device));
  ob_sim_instance_add_uint (i, "IdleWakeTimeout", 1);
  ob_sim_instance_add_string (i, "InstanceID", "Intel(r) AMT: General Settings");
  ob_sim_instance_add_bool (i, "NetworkInterfaceEnabled", TRUE);
  ob_sim_instance_add_bool (i, "PingResponseEnabled", TRUE);
  ob_sim_instance_add_uint (i, "PowerSource", 0);
  ob_sim_instance_add_uint (i, "PreferredAddressFamily", 0);
  ob_sim_instance_add_uint (i, "PresenceNotificationInterval", 0);
  ob_sim_instance_add_uint (i, "PrivacyLevel", 0);
  ob_sim_instance_add_bool (i, "RmcpPingResponseEnabled", TRUE);
  ob_sim_instance_add_bool (i, "SharedFQDN", TRUE);
  ob_sim_instance_add_uint (i, "ThunderboltDockEnabled", 0);
  ob_sim_instance_add_bool (i, "WsmanOnlyMode", FALSE);
  return single (i);
}

static char *
iso_time (gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (t);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("1970-01-01T00:00:00Z");
}

static GPtrArray *
message_log_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_MessageLog");
  guint n = ob_sim_device_get_n_event_records (device);

  ob_sim_instance_add_uint (i, "Capabilities", 5);
  ob_sim_instance_add_uint (i, "Capabilities", 6);
  ob_sim_instance_add_uint (i, "Capabilities", 8);
  ob_sim_instance_add_uint (i, "Capabilities", 7);
  ob_sim_instance_add_uint (i, "CharacterSet", 10);
  ob_sim_instance_add_string (i, "CreationClassName", "AMT_MessageLog");
  ob_sim_instance_add_uint (i, "CurrentNumberOfRecords", n);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT:MessageLog 1");
  ob_sim_instance_add_uint (i, "EnabledDefault", 2);
  ob_sim_instance_add_uint (i, "EnabledState", 2);
  ob_sim_instance_add_uint (i, "HealthState", 5);
  ob_sim_instance_add_bool (i, "IsFrozen", FALSE);
  ob_sim_instance_add_uint (i, "LastChange", 0);
  ob_sim_instance_add_uint (i, "LogState", 4);
  ob_sim_instance_add_uint (i, "MaxLogSize", 0);
  ob_sim_instance_add_uint (i, "MaxNumberOfRecords", OB_SIM_DEVICE_MAX_EVENT_RECORDS);
  ob_sim_instance_add_uint (i, "MaxRecordSize", 21);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT:MessageLog 1");
  ob_sim_instance_add_uint (i, "OperationalStatus", 2);
  ob_sim_instance_add_uint (i, "OverwritePolicy", 2);
  ob_sim_instance_add_uint (i, "PercentageNearFull", n * 100 / OB_SIM_DEVICE_MAX_EVENT_RECORDS);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_uint (i, "SizeOfHeader", 0);
  ob_sim_instance_add_uint (i, "SizeOfRecordHeader", 0);
  ob_sim_instance_add_string (i, "Status", "OK");
  return single (i);
}

static GPtrArray *
audit_log_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_AuditLog");
  guint n = ob_sim_device_get_n_audit_records (device);
  g_autofree char *last = iso_time (ob_sim_device_get_time (device));

  ob_sim_instance_add_uint (i, "AuditState", 16);
  ob_sim_instance_add_uint (i, "CurrentNumberOfRecords", n);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Audit Log");
  ob_sim_instance_add_uint (i, "EnabledState", 2);
  ob_sim_instance_add_uint (i, "MaxAllowedAuditors", 1);
  ob_sim_instance_add_uint (i, "MaxNumberOfRecords", 0);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT:Audit Log");
  ob_sim_instance_add_uint (i, "OverwritePolicy", 2);
  ob_sim_instance_add_uint (i, "PercentageFree", 100 - n * 100 / OB_SIM_DEVICE_MAX_AUDIT_RECORDS);
  ob_sim_instance_add_uint (i, "RequestedState", 2);
  ob_sim_instance_add_uint (i, "StoragePolicy", 1);
  ob_sim_instance_add_datetime (i, "TimeOfLastRecord", last);
  return single (i);
}

static GPtrArray *
redirection_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_RedirectionService");

  add_service_keys (i, "AMT_RedirectionService", "Intel(r) AMT Redirection Service");
  ob_sim_instance_add_uint (i, "EnabledState", ob_sim_device_get_redirection_state (device));
  ob_sim_instance_add_bool (i, "ListenerEnabled", ob_sim_device_get_listener_enabled (device));
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Redirection Service");
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
  return single (i);
}

static GPtrArray *
kvm_settings_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("IPS_KVMRedirectionSettingData");
  ObSimKvmSettings k;

  ob_sim_device_get_kvm_settings (device, &k);
  ob_sim_instance_add_bool (i, "BackToBackFbMode", FALSE);
  ob_sim_instance_add_uint (i, "DefaultScreen", k.default_screen);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) KVM Redirection Settings");
  ob_sim_instance_add_bool (i, "EnabledByMEBx", TRUE);
  ob_sim_instance_add_string (i, "InstanceID", "Intel(r) KVM Redirection Settings");
  ob_sim_instance_add_bool (i, "Is5900PortEnabled", k.is_5900_port_enabled);
  ob_sim_instance_add_bool (i, "OptInPolicy", k.opt_in_policy);
  ob_sim_instance_add_uint (i, "OptInPolicyTimeout", k.opt_in_policy_timeout);
  /* Write-only: the firmware never returns it. */
  ob_sim_instance_add_string (i, "RFBPassword", "");
  ob_sim_instance_add_uint (i, "SessionTimeout", k.session_timeout);
  return single (i);
}

static GPtrArray *
kvm_sap_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("CIM_KVMRedirectionSAP");

  add_service_keys (i, "CIM_KVMRedirectionSAP", "KVM Redirection Service Access Point");
  ob_sim_instance_add_uint (i, "EnabledState", ob_sim_device_get_kvm_state (device));
  ob_sim_instance_add_uint (i, "KVMProtocol", 4);
  ob_sim_instance_add_string (i, "Name", "KVM Redirection Service Access Point");
  ob_sim_instance_add_uint (i, "RequestedState", ob_sim_device_get_kvm_requested_state (device));
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "ManagedSystem");
  return single (i);
}

static GPtrArray *
opt_in_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("IPS_OptInService");

  ob_sim_instance_add_uint (i, "CanModifyOptInPolicy",
                            ob_sim_device_get_can_modify_opt_in_policy (device) ? 1 : 0);
  add_service_keys (i, "IPS_OptInService", "Intel(r) AMT OptIn Service");
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT OptIn Service");
  ob_sim_instance_add_uint (i, "OptInCodeTimeout", ob_sim_device_get_opt_in_code_timeout (device));
  ob_sim_instance_add_uint (i, "OptInDisplayTimeout", ob_sim_device_get_opt_in_display_timeout (device));
  ob_sim_instance_add_uint (i, "OptInRequired", ob_sim_device_get_opt_in_required (device));
  ob_sim_instance_add_uint (i, "OptInState", ob_sim_device_get_opt_in_state (device));
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
  return single (i);
}

static GPtrArray *
alarm_service_instances (ObSimDevice *device)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_AlarmClockService");

  add_service_keys (i, "AMT_AlarmClockService", "Intel(r) AMT Alarm Clock Service");
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Alarm Clock Service");
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "ManagedSystem");
  return single (i);
}

static char *
format_interval (guint minutes)
{
  return g_strdup_printf ("P%uDT%uH%uM", minutes / (24 * 60), (minutes / 60) % 24, minutes % 60);
}

static GPtrArray *
alarm_instances (ObSimDevice *device)
{
  g_autoptr(GPtrArray) alarms = ob_sim_device_list_alarms (device);
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_instance_unref);

  for (guint k = 0; k < alarms->len; k++)
    {
      ObSimAlarm *alarm = g_ptr_array_index (alarms, k);
      ObSimInstance *i = ob_sim_instance_new ("IPS_AlarmClockOccurrence");
      g_autofree char *start = iso_time (alarm->start_time);

      ob_sim_instance_add_bool (i, "DeleteOnCompletion", alarm->delete_on_completion);
      ob_sim_instance_add_string (i, "ElementName", alarm->element_name);
      ob_sim_instance_add_string (i, "InstanceID", alarm->instance_id);
      if (alarm->interval_minutes > 0)
        {
          g_autofree char *interval = format_interval (alarm->interval_minutes);

          ob_sim_instance_add_interval (i, "Interval", interval);
        }
      ob_sim_instance_add_datetime (i, "StartTime", start);
      g_ptr_array_add (list, i);
    }
  return list;
}

/* ---- Put ----------------------------------------------------------------- */

static char *
put_reply (Call *call)
{
  g_autoptr(GPtrArray) list = find_class (call->class_name)->instances (call->device);

  return reply_instance (call, OB_WSMAN_ACTION_PUT_RESPONSE, g_ptr_array_index (list, 0));
}

static char *
put_boot_setting_data (Call *call)
{
  JsonObject *o = body_member (call, call->class_name);
  ObSimBootSettings b;
  g_autofree char *uefi = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (o == NULL)
    return fault_invalid_representation (call, "MissingValues");

  ob_sim_device_get_boot_settings (call->device, &b);
  uefi = member_text (o, "UefiBootParametersArray");
  if (uefi == NULL)
    uefi = g_strdup (ob_sim_device_get_uefi_boot_parameters (call->device));

  ok &= read_bool (o, "BIOSPause", &b.bios_pause);
  ok &= read_bool (o, "BIOSSetup", &b.bios_setup);
  ok &= read_uint (o, "BootMediaIndex", 255, &b.boot_media_index);
  ok &= read_bool (o, "ConfigurationDataReset", &b.configuration_data_reset);
  ok &= read_bool (o, "EnforceSecureBoot", &b.enforce_secure_boot);
  ok &= read_uint (o, "FirmwareVerbosity", 3, &b.firmware_verbosity);
  ok &= read_bool (o, "ForcedProgressEvents", &b.forced_progress_events);
  ok &= read_uint (o, "IDERBootDevice", 1, &b.ider_boot_device);
  ok &= read_bool (o, "LockKeyboard", &b.lock_keyboard);
  ok &= read_bool (o, "LockPowerButton", &b.lock_power_button);
  ok &= read_bool (o, "LockResetButton", &b.lock_reset_button);
  ok &= read_bool (o, "LockSleepButton", &b.lock_sleep_button);
  ok &= read_bool (o, "PlatformErase", &b.platform_erase);
  ok &= read_bool (o, "ReflashBIOS", &b.reflash_bios);
  ok &= read_bool (o, "SecureErase", &b.secure_erase);
  ok &= read_uint (o, "UefiBootNumberOfParams", 255, &b.uefi_boot_number_of_params);
  ok &= read_bool (o, "UseIDER", &b.use_ider);
  ok &= read_bool (o, "UseSafeMode", &b.use_safe_mode);
  ok &= read_bool (o, "UseSOL", &b.use_sol);
  ok &= read_bool (o, "UserPasswordBypass", &b.user_password_bypass);
  if (!ok)
    return fault_invalid_representation (call, "InvalidValues");

  if (!ob_sim_device_set_boot_settings (call->device, &b, uefi, call->who, &error))
    return fault_invalid_representation (call, "InvalidValues");
  return put_reply (call);
}

static char *
put_redirection_service (Call *call)
{
  JsonObject *o = body_member (call, call->class_name);
  gboolean listener = ob_sim_device_get_listener_enabled (call->device);

  if (o == NULL)
    return fault_invalid_representation (call, "MissingValues");
  if (!read_bool (o, "ListenerEnabled", &listener))
    return fault_invalid_representation (call, "InvalidValues");
  /* EnabledState is read-only here; RequestStateChange changes it. */
  ob_sim_device_set_listener_enabled (call->device, listener);
  return put_reply (call);
}

static char *
put_kvm_settings (Call *call)
{
  JsonObject *o = body_member (call, call->class_name);
  ObSimKvmSettings k;
  g_autofree char *password = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (o == NULL)
    return fault_invalid_representation (call, "MissingValues");

  ob_sim_device_get_kvm_settings (call->device, &k);
  ok &= read_uint (o, "DefaultScreen", 255, &k.default_screen);
  ok &= read_bool (o, "Is5900PortEnabled", &k.is_5900_port_enabled);
  ok &= read_bool (o, "OptInPolicy", &k.opt_in_policy);
  ok &= read_uint (o, "OptInPolicyTimeout", G_MAXUINT32, &k.opt_in_policy_timeout);
  ok &= read_uint (o, "SessionTimeout", G_MAXUINT32, &k.session_timeout);
  if (!ok)
    return fault_invalid_representation (call, "InvalidValues");

  /* An empty RFBPassword in a Put echoes the Get: keep the password. */
  password = member_text (o, "RFBPassword");
  if (password != NULL && *password == '\0')
    g_clear_pointer (&password, g_free);
  if (!ob_sim_device_set_kvm_settings (call->device, &k, password, &error))
    return fault_invalid_representation (call, "InvalidValues");
  if (password != NULL)
    memset (password, 0, strlen (password));
  return put_reply (call);
}

static char *
put_opt_in_service (Call *call)
{
  JsonObject *o = body_member (call, call->class_name);
  guint required = ob_sim_device_get_opt_in_required (call->device);
  guint code_timeout = ob_sim_device_get_opt_in_code_timeout (call->device);
  guint display_timeout = ob_sim_device_get_opt_in_display_timeout (call->device);
  g_autoptr(GError) error = NULL;

  if (o == NULL)
    return fault_invalid_representation (call, "MissingValues");
  if (!read_uint (o, "OptInRequired", G_MAXUINT32, &required) ||
      !read_uint (o, "OptInCodeTimeout", 900, &code_timeout) ||
      !read_uint (o, "OptInDisplayTimeout", 65535, &display_timeout) ||
      code_timeout == 0 || display_timeout == 0)
    return fault_invalid_representation (call, "InvalidValues");

  if (!ob_sim_device_set_opt_in_required (call->device, required, call->who, &error))
    {
      if (g_error_matches (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_ALLOWED))
        return fault (call, OB_WSMAN_ACTION_FAULT, "Sender", "e:AccessDenied",
                      "The sender was not authorized to access the resource.", NULL);
      return fault_invalid_representation (call, "InvalidValues");
    }
  ob_sim_device_set_opt_in_code_timeout (call->device, code_timeout);
  ob_sim_device_set_opt_in_display_timeout (call->device, display_timeout);
  return put_reply (call);
}

/* ---- Delete -------------------------------------------------------------- */

static char *
delete_alarm (Call *call)
{
  ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (call->request);
  const char *id = ob_wsman_selectors_lookup (selectors, "InstanceID");
  ObSimXmlWriter *w;
  char *xml;

  if (id == NULL)
    return fault_invalid_selectors (call, "InsufficientSelectors");
  /* AMT answers an unknown alarm with DestinationUnreachable. */
  if (!ob_sim_device_delete_alarm (call->device, id, NULL))
    return fault_destination_unreachable (call);

  w = ob_sim_xml_writer_new ();
  xml = ob_sim_xml_writer_finish (w, OB_WSMAN_ACTION_DELETE_RESPONSE, call->relates_to,
                                  call->message_id, call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

/* ---- Methods ------------------------------------------------------------- */

static gboolean
argument_uint (Call       *call,
               const char *name,
               guint64     max,
               guint      *value)
{
  const char *text = argument (call, name);
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

static char *
method_request_power_state_change (Call *call)
{
  guint state;
  guint rv = OB_SIM_RV_INVALID_PARAMETER;

  if (argument_uint (call, "PowerState", G_MAXUINT32, &state))
    rv = ob_sim_device_request_power_state_change (call->device, state, call->who);
  return reply_method (call, "RequestPowerStateChange", rv, NULL, NULL);
}

static char *
method_request_os_power_saving_state_change (Call *call)
{
  guint state;
  guint rv = OB_SIM_RV_CIM_INVALID_PARAMETER;

  if (argument_uint (call, "OSPowerSavingState", G_MAXUINT32, &state))
    rv = ob_sim_device_request_os_power_saving_state_change (call->device, state);
  return reply_method (call, "RequestOSPowerSavingStateChange", rv, NULL, NULL);
}

static char *
method_change_boot_order (Call *call)
{
  gboolean present;
  const char *source = reference_instance_id (call, "Source", &present);
  guint rv;

  if (present && source == NULL)
    rv = OB_SIM_RV_INVALID_PARAMETER;
  else
    rv = ob_sim_device_change_boot_order (call->device, source);
  return reply_method (call, "ChangeBootOrder", rv, NULL, NULL);
}

static char *
method_set_boot_config_role (Call *call)
{
  gboolean present;
  const char *config = reference_instance_id (call, "BootConfigSetting", &present);
  guint role;
  guint rv = OB_SIM_RV_INVALID_PARAMETER;

  if (config != NULL && argument_uint (call, "Role", G_MAXUINT32, &role))
    rv = ob_sim_device_set_boot_config_role (call->device, config, role);
  return reply_method (call, "SetBootConfigRole", rv, NULL, NULL);
}

static char *
method_boot_service_request_state_change (Call *call)
{
  guint state;
  guint rv = OB_SIM_RV_INVALID_PARAMETER;

  if (argument_uint (call, "RequestedState", G_MAXUINT32, &state))
    rv = ob_sim_device_request_boot_service_state (call->device, state);
  return reply_method (call, "RequestStateChange", rv, NULL, NULL);
}

static char *
method_redirection_request_state_change (Call *call)
{
  guint state;
  guint rv = OB_SIM_RV_INVALID_PARAMETER;

  if (argument_uint (call, "RequestedState", G_MAXUINT32, &state))
    rv = ob_sim_device_request_redirection_state (call->device, state, call->who);
  return reply_method (call, "RequestStateChange", rv, NULL, NULL);
}

static char *
method_kvm_request_state_change (Call *call)
{
  guint state;
  guint rv = OB_SIM_RV_INVALID_PARAMETER;

  if (argument_uint (call, "RequestedState", G_MAXUINT32, &state))
    rv = ob_sim_device_request_kvm_state (call->device, state, call->who);
  return reply_method (call, "RequestStateChange", rv, NULL, NULL);
}

static char *
method_start_opt_in (Call *call)
{
  return reply_method (call, "StartOptIn", ob_sim_device_start_opt_in (call->device, call->who), NULL, NULL);
}

static char *
method_send_opt_in_code (Call *call)
{
  const char *code = argument (call, "OptInCode");
  guint rv;

  if (code == NULL)
    rv = OB_SIM_RV_INVALID_PARAMETER;
  else
    rv = ob_sim_device_send_opt_in_code (call->device, code, call->who);
  return reply_method (call, "SendOptInCode", rv, NULL, NULL);
}

static char *
method_cancel_opt_in (Call *call)
{
  return reply_method (call, "CancelOptIn", ob_sim_device_cancel_opt_in (call->device, call->who), NULL, NULL);
}

typedef struct
{
  guint    iteration;
  gboolean no_more;
  GPtrArray *records;   /* base64 strings */
} RecordsOut;

static void
write_position_output (ObSimXmlWriter *w,
                       const char     *g,
                       gpointer        data)
{
  char buf[16];

  g_snprintf (buf, sizeof buf, "%u", GPOINTER_TO_UINT (data));
  ob_sim_xml_writer_element (w, g, "IterationIdentifier", buf);
}

static char *
method_position_to_first_record (Call *call)
{
  /* IterationIdentifier = 1-based position of the next record to read. */
  return reply_method (call, "PositionToFirstRecord", OB_SIM_RV_SUCCESS,
                       write_position_output, GUINT_TO_POINTER (1));
}

static void
write_records_output (ObSimXmlWriter *w,
                      const char     *g,
                      gpointer        data)
{
  RecordsOut *out = data;
  char buf[16];

  g_snprintf (buf, sizeof buf, "%u", out->iteration);
  ob_sim_xml_writer_element (w, g, "IterationIdentifier", buf);
  ob_sim_xml_writer_element (w, g, "NoMoreRecords", out->no_more ? "true" : "false");
  for (guint i = 0; i < out->records->len; i++)
    ob_sim_xml_writer_element (w, g, "RecordArray", g_ptr_array_index (out->records, i));
}

static char *
method_get_records (Call *call)
{
  guint start, max = EVENT_RECORDS_PER_CALL;
  guint n = ob_sim_device_get_n_event_records (call->device);
  RecordsOut out = { 0 };
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_free);

  if (!argument_uint (call, "IterationIdentifier", G_MAXUINT32, &start) || start == 0)
    return reply_method (call, "GetRecords", OB_SIM_RV_INVALID_PARAMETER, NULL, NULL);
  if (argument (call, "MaxReadRecords") != NULL &&
      (!argument_uint (call, "MaxReadRecords", G_MAXUINT32, &max) || max == 0))
    return reply_method (call, "GetRecords", OB_SIM_RV_INVALID_PARAMETER, NULL, NULL);
  max = MIN (max, EVENT_RECORDS_PER_CALL);

  /* Newest first, as AMT returns them. */
  for (guint pos = start; pos <= n && records->len < max; pos++)
    {
      g_autoptr(GBytes) rec = ob_sim_device_get_event_record (call->device, n - pos);
      gsize len;
      const guint8 *data = g_bytes_get_data (rec, &len);

      g_ptr_array_add (records, g_base64_encode (data, len));
    }
  out.iteration = start + records->len;
  out.no_more = out.iteration > n;
  out.records = records;
  return reply_method (call, "GetRecords", OB_SIM_RV_SUCCESS, write_records_output, &out);
}

typedef struct
{
  guint      total;
  GPtrArray *records;
} AuditOut;

static void
write_audit_output (ObSimXmlWriter *w,
                    const char     *g,
                    gpointer        data)
{
  AuditOut *out = data;
  char buf[16];

  g_snprintf (buf, sizeof buf, "%u", out->total);
  ob_sim_xml_writer_element (w, g, "TotalRecordCount", buf);
  g_snprintf (buf, sizeof buf, "%u", out->records->len);
  ob_sim_xml_writer_element (w, g, "RecordsReturned", buf);
  for (guint i = 0; i < out->records->len; i++)
    ob_sim_xml_writer_element (w, g, "EventRecords", g_ptr_array_index (out->records, i));
}

static char *
method_read_records (Call *call)
{
  guint start;
  guint n = ob_sim_device_get_n_audit_records (call->device);
  AuditOut out = { 0 };
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_free);

  /* StartIndex is 1-based; oldest first, ten per call. */
  if (!argument_uint (call, "StartIndex", G_MAXUINT32, &start) || start == 0 ||
      (n > 0 && start > n))
    return reply_method (call, "ReadRecords", OB_SIM_RV_INVALID_INDEX, NULL, NULL);

  for (guint pos = start; pos <= n && records->len < AUDIT_RECORDS_PER_CALL; pos++)
    {
      g_autoptr(GBytes) rec = ob_sim_device_get_audit_record (call->device, pos - 1);
      gsize len;
      const guint8 *data = g_bytes_get_data (rec, &len);

      g_ptr_array_add (records, g_base64_encode (data, len));
    }
  out.total = n;
  out.records = records;
  return reply_method (call, "ReadRecords", OB_SIM_RV_SUCCESS, write_audit_output, &out);
}

static void
write_alarm_output (ObSimXmlWriter *w,
                    const char     *g,
                    gpointer        data)
{
  const char *selectors[] = { "InstanceID", data, NULL };

  ob_sim_xml_writer_open (w, g, "AlarmClock");
  ob_sim_xml_writer_reference (w, OB_WSMAN_URI_IPS "IPS_AlarmClockOccurrence", selectors);
  ob_sim_xml_writer_close (w, g, "AlarmClock");
}

/* "P1DT2H3M", "PT5M", "P0DT0H90M" -> minutes; FALSE for anything else
 * (seconds, months and years are not alarm intervals). */
static gboolean
parse_interval (const char *text,
                guint      *minutes)
{
  guint64 total = 0;
  gboolean in_time = FALSE;
  gboolean any = FALSE;
  const char *p = text;

  if (*p++ != 'P')
    return FALSE;
  while (*p != '\0')
    {
      guint64 v = 0;
      const char *digits = p;

      if (*p == 'T' && !in_time)
        {
          in_time = TRUE;
          p++;
          continue;
        }
      while (g_ascii_isdigit (*p) && v < 100000000)
        v = v * 10 + (guint64) (*p++ - '0');
      if (p == digits)
        return FALSE;
      switch (*p++)
        {
        case 'D':
          if (in_time)
            return FALSE;
          total += v * 24 * 60;
          break;
        case 'H':
          if (!in_time)
            return FALSE;
          total += v * 60;
          break;
        case 'M':
          if (!in_time)
            return FALSE;
          total += v;
          break;
        default:
          return FALSE;
        }
      any = TRUE;
      if (total > G_MAXUINT32)
        return FALSE;
    }
  if (!any)
    return FALSE;
  *minutes = (guint) total;
  return TRUE;
}

static char *
method_add_alarm (Call *call)
{
  JsonObject *input = body_member (call, "AddAlarm_INPUT");
  JsonObject *t = member_object (input, "AlarmTemplate");
  g_autofree char *start_text = NULL;
  g_autofree char *interval_text = NULL;
  g_autofree char *delete_text = NULL;
  g_autoptr(GDateTime) start = NULL;
  g_autoptr(GError) error = NULL;
  ObSimAlarm alarm = { 0 };
  g_autofree char *instance_id = NULL;
  g_autofree char *element_name = NULL;

  if (t == NULL)
    return fault_invalid_representation (call, "MissingValues");

  instance_id = member_text (t, "InstanceID");
  element_name = member_text (t, "ElementName");
  start_text = member_text (member_object (t, "StartTime"), "Datetime");
  interval_text = member_text (member_object (t, "Interval"), "Interval");
  delete_text = member_text (t, "DeleteOnCompletion");

  if (element_name == NULL || start_text == NULL)
    return fault_invalid_representation (call, "MissingValues");
  start = g_date_time_new_from_iso8601 (start_text, NULL);
  if (start == NULL)
    return fault_invalid_representation (call, "InvalidValues");
  if (interval_text != NULL && !parse_interval (interval_text, &alarm.interval_minutes))
    return fault_invalid_representation (call, "InvalidValues");
  if (delete_text != NULL &&
      g_ascii_strcasecmp (delete_text, "true") != 0 && g_ascii_strcasecmp (delete_text, "false") != 0)
    return fault_invalid_representation (call, "InvalidValues");

  alarm.instance_id = instance_id != NULL ? instance_id : element_name;
  alarm.element_name = element_name;
  alarm.start_time = g_date_time_to_unix (start);
  alarm.delete_on_completion = delete_text == NULL || g_ascii_strcasecmp (delete_text, "true") == 0;

  if (!ob_sim_device_add_alarm (call->device, &alarm, &error))
    {
      if (g_error_matches (error, OB_SIM_ERROR, OB_SIM_ERROR_QUOTA_EXCEEDED))
        return fault (call, OB_WSMAN_ACTION_FAULT, "Sender", "e:QuotaLimit",
                      "The service is busy servicing other requests.", NULL);
      if (g_error_matches (error, OB_SIM_ERROR, OB_SIM_ERROR_ALREADY_EXISTS))
        return fault (call, OB_WSMAN_ACTION_FAULT, "Sender", "e:AlreadyExists",
                      "The sender attempted to create a resource which already exists.", NULL);
      return fault_invalid_representation (call, "InvalidValues");
    }
  return reply_method (call, "AddAlarm", OB_SIM_RV_SUCCESS, write_alarm_output, (gpointer) alarm.instance_id);
}

/* ---- Class table ----------------------------------------------------------- */

static const MethodEntry cim_power_methods[] = {
  { "RequestPowerStateChange", method_request_power_state_change },
  { NULL, NULL }
};
static const MethodEntry ips_power_methods[] = {
  { "RequestOSPowerSavingStateChange", method_request_os_power_saving_state_change },
  { NULL, NULL }
};
static const MethodEntry boot_config_methods[] = {
  { "ChangeBootOrder", method_change_boot_order },
  { NULL, NULL }
};
static const MethodEntry boot_service_methods[] = {
  { "SetBootConfigRole", method_set_boot_config_role },
  { "RequestStateChange", method_boot_service_request_state_change },
  { NULL, NULL }
};
static const MethodEntry redirection_methods[] = {
  { "RequestStateChange", method_redirection_request_state_change },
  { NULL, NULL }
};
static const MethodEntry kvm_sap_methods[] = {
  { "RequestStateChange", method_kvm_request_state_change },
  { NULL, NULL }
};
static const MethodEntry opt_in_methods[] = {
  { "StartOptIn", method_start_opt_in },
  { "SendOptInCode", method_send_opt_in_code },
  { "CancelOptIn", method_cancel_opt_in },
  { NULL, NULL }
};
static const MethodEntry message_log_methods[] = {
  { "PositionToFirstRecord", method_position_to_first_record },
  { "GetRecords", method_get_records },
  { NULL, NULL }
};
static const MethodEntry audit_log_methods[] = {
  { "ReadRecords", method_read_records },
  { NULL, NULL }
};
static const MethodEntry alarm_service_methods[] = {
  { "AddAlarm", method_add_alarm },
  { NULL, NULL }
};

static const ClassEntry classes[] = {
  { "CIM_AssociatedPowerManagementService", associated_power_instances, NULL, NULL, NULL, FALSE },
  /* The association class AMT clients enumerate to read the power state. */
  { "CIM_ServiceAvailableToElement", associated_power_instances, NULL, NULL, NULL, FALSE },
  { "CIM_PowerManagementService", cim_power_service_instances, NULL, NULL, cim_power_methods, FALSE },
  { "IPS_PowerManagementService", ips_power_service_instances, NULL, NULL, ips_power_methods, FALSE },
  { "AMT_BootCapabilities", boot_capabilities_instances, NULL, NULL, NULL, FALSE },
  { "AMT_BootSettingData", boot_setting_data_instances, put_boot_setting_data, NULL, NULL, FALSE },
  { "CIM_BootConfigSetting", boot_config_setting_instances, NULL, NULL, boot_config_methods, FALSE },
  { "CIM_BootService", boot_service_instances, NULL, NULL, boot_service_methods, FALSE },
  { "CIM_BootSourceSetting", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_SoftwareIdentity", NULL, NULL, NULL, NULL, FALSE },
  { "AMT_SetupAndConfigurationService", setup_service_instances, NULL, NULL, NULL, FALSE },
  { "AMT_GeneralSettings", general_settings_instances, NULL, NULL, NULL, FALSE },
  { "CIM_ComputerSystemPackage", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_SystemPackaging", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_Chassis", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_Card", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_BIOSElement", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_Processor", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_PhysicalMemory", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_MediaAccessDevice", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_PhysicalPackage", NULL, NULL, NULL, NULL, FALSE },
  { "CIM_Chip", NULL, NULL, NULL, NULL, FALSE },
  { "AMT_MessageLog", message_log_instances, NULL, NULL, message_log_methods, FALSE },
  { "AMT_AuditLog", audit_log_instances, NULL, NULL, audit_log_methods, FALSE },
  { "AMT_RedirectionService", redirection_service_instances, put_redirection_service, NULL, redirection_methods, FALSE },
  { "IPS_KVMRedirectionSettingData", kvm_settings_instances, put_kvm_settings, NULL, NULL, TRUE },
  { "CIM_KVMRedirectionSAP", kvm_sap_instances, NULL, NULL, kvm_sap_methods, TRUE },
  { "IPS_OptInService", opt_in_service_instances, put_opt_in_service, NULL, opt_in_methods, FALSE },
  { "AMT_AlarmClockService", alarm_service_instances, NULL, NULL, alarm_service_methods, FALSE },
  { "IPS_AlarmClockOccurrence", alarm_instances, NULL, delete_alarm, NULL, FALSE },
};

static const ClassEntry *
find_class (const char *class_name)
{
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    if (g_str_equal (classes[i].class_name, class_name))
      return &classes[i];
  return NULL;
}

static GPtrArray *
class_instances (const ClassEntry *entry,
                 ObSimDevice      *device)
{
  GPtrArray *inventory;

  if (entry->instances != NULL)
    return entry->instances (device);
  inventory = ob_sim_device_get_inventory (device, entry->class_name);
  if (inventory == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_instance_unref);
  return g_ptr_array_copy (inventory, (GCopyFunc) ob_sim_instance_ref, NULL);
}

/* ---- Transfer and enumeration --------------------------------------------- */

static char *
handle_get (Call             *call,
            const ClassEntry *entry)
{
  ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (call->request);
  g_autoptr(GPtrArray) list = class_instances (entry, call->device);

  for (guint i = 0; i < list->len; i++)
    {
      ObSimInstance *instance = g_ptr_array_index (list, i);

      /* No selectors: the first instance, as AMT does. */
      if (ob_sim_instance_matches (instance, selectors))
        return reply_instance (call, OB_WSMAN_ACTION_GET_RESPONSE, instance);
    }
  if (ob_wsman_selectors_get_length (selectors) == 0)
    return fault_destination_unreachable (call);
  return fault_invalid_selectors (call, "InvalidValue");
}

/* @items: the instances to hand out (taken). */
static char *
handle_enumerate (Call      *call,
                  GPtrArray *items)
{
  ObSimWsmanDispatch *self = call->self;
  Enumeration *e = g_new0 (Enumeration, 1);
  ObSimXmlWriter *w;
  const char *g;
  char *xml;

  e->items = items;
  self->enumeration_counter++;
  e->id = g_strdup_printf ("%08X-0000-0000-0000-000000000000",
                           GUINT32_SWAP_LE_BE (self->enumeration_counter));
  g_hash_table_insert (self->enumerations, e->id, e);
  g_queue_push_tail (&self->order, e->id);
  while (g_queue_get_length (&self->order) > MAX_ENUMERATIONS)
    g_hash_table_remove (self->enumerations, g_queue_pop_head (&self->order));

  w = ob_sim_xml_writer_new ();
  g = ob_sim_xml_writer_prefix (w, OB_WSMAN_NS_ENUMERATION);
  ob_sim_xml_writer_open (w, g, "EnumerateResponse");
  ob_sim_xml_writer_element (w, g, "EnumerationContext", e->id);
  ob_sim_xml_writer_close (w, g, "EnumerateResponse");
  xml = ob_sim_xml_writer_finish (w, OB_WSMAN_ACTION_ENUMERATE_RESPONSE, call->relates_to,
                                  call->message_id, call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

static char *
handle_pull (Call *call)
{
  ObSimWsmanDispatch *self = call->self;
  const char *id = ob_wsman_request_get_enumeration_context (call->request);
  guint max = ob_wsman_request_get_max_elements (call->request);
  Enumeration *e = id != NULL ? g_hash_table_lookup (self->enumerations, id) : NULL;
  ObSimXmlWriter *w;
  const char *g;
  gboolean done;
  guint end;
  char *xml;

  if (e == NULL)
    return fault (call, ACTION_ENUMERATION_FAULT, "Receiver", "c:InvalidEnumerationContext",
                  "The supplied enumeration context is invalid.", NULL);

  /* WS-Enumeration: one element when MaxElements is absent. */
  if (max == 0)
    max = 1;
  end = MIN (e->items->len, e->position + MIN (max, OB_WSMAN_PULL_MAX_ELEMENTS));
  done = end >= e->items->len;

  w = ob_sim_xml_writer_new ();
  g = ob_sim_xml_writer_prefix (w, OB_WSMAN_NS_ENUMERATION);
  ob_sim_xml_writer_open (w, g, "PullResponse");
  if (!done)
    ob_sim_xml_writer_element (w, g, "EnumerationContext", e->id);
  ob_sim_xml_writer_open (w, g, "Items");
  for (guint i = e->position; i < end; i++)
    ob_sim_xml_writer_instance (w, g_ptr_array_index (e->items, i));
  ob_sim_xml_writer_close (w, g, "Items");
  if (done)
    g_string_append_printf (ob_sim_xml_writer_get_body (w), "<%s:EndOfSequence></%s:EndOfSequence>", g, g);
  ob_sim_xml_writer_close (w, g, "PullResponse");
  xml = ob_sim_xml_writer_finish (w, OB_WSMAN_ACTION_PULL_RESPONSE, call->relates_to,
                                  call->message_id, call->resource_uri);
  ob_sim_xml_writer_free (w);

  e->position = end;
  if (done)
    {
      g_queue_remove (&self->order, e->id);
      g_hash_table_remove (self->enumerations, id);
    }
  return xml;
}

static char *
handle_call (Call *call)
{
  const char *action = ob_wsman_request_get_action (call->request);
  const char *method = ob_wsman_request_get_method (call->request);
  const ClassEntry *entry = call->class_name != NULL ? find_class (call->class_name) : NULL;
  ObSimProvisioning *provisioning = ob_sim_provisioning_peek (call->device);
  g_autoptr(GPtrArray) provisioning_items = NULL;
  g_autofree char *expected_uri = NULL;

  /* The provisioning classes of a device that has them come first. */
  if (provisioning != NULL)
    {
      ObSimProvisioningCall pc = {
        call->request, call->who, call->class_name, call->resource_uri, call->relates_to, call->message_id
      };
      char *xml = ob_sim_provisioning_handle (provisioning, &pc, &call->status);

      if (xml != NULL)
        return xml;
      provisioning_items = ob_sim_provisioning_dup_instances (provisioning, call->class_name);
    }

  /* Pull names its enumeration, whatever class the header carries. */
  if (g_strcmp0 (action, OB_WSMAN_ACTION_PULL) == 0 && (entry != NULL || provisioning_items != NULL))
    return handle_pull (call);
  if (g_strcmp0 (action, OB_WSMAN_ACTION_ENUMERATE) == 0 && provisioning_items != NULL)
    {
      g_autofree char *uri = ob_wsman_resource_uri_for_class (call->class_name);

      if (g_strcmp0 (uri, call->resource_uri) == 0)
        return handle_enumerate (call, g_steal_pointer (&provisioning_items));
    }

  if (entry != NULL)
    expected_uri = ob_wsman_resource_uri_for_class (entry->class_name);
  if (entry == NULL || g_strcmp0 (expected_uri, call->resource_uri) != 0 ||
      (entry->kvm_only && !ob_sim_device_get_kvm_supported (call->device)) ||
      ob_sim_device_is_class_missing (call->device, entry->class_name))
    return fault_destination_unreachable (call);

  if (g_strcmp0 (action, OB_WSMAN_ACTION_GET) == 0)
    return handle_get (call, entry);
  if (g_strcmp0 (action, OB_WSMAN_ACTION_ENUMERATE) == 0)
    return handle_enumerate (call, class_instances (entry, call->device));

  if (method != NULL && entry->methods != NULL)
    {
      ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (call->request);

      for (const MethodEntry *m = entry->methods; m->name != NULL; m++)
        {
          g_autoptr(GPtrArray) list = NULL;

          if (!g_str_equal (m->name, method))
            continue;
          /* Selectors, when given, must name the service instance. */
          list = class_instances (entry, call->device);
          if (ob_wsman_selectors_get_length (selectors) > 0 &&
              (list->len == 0 || !ob_sim_instance_matches (g_ptr_array_index (list, 0), selectors)))
            return fault_invalid_selectors (call, "InvalidValue");
          return m->func (call);
        }
    }

  if (g_strcmp0 (action, OB_WSMAN_ACTION_PUT) == 0 && entry->put != NULL)
    {
      ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (call->request);
      g_autoptr(GPtrArray) list = class_instances (entry, call->device);

      if (ob_wsman_selectors_get_length (selectors) > 0 &&
          (list->len == 0 || !ob_sim_instance_matches (g_ptr_array_index (list, 0), selectors)))
        return fault_invalid_selectors (call, "InvalidValue");
      return entry->put (call);
    }
  if (g_strcmp0 (action, OB_WSMAN_ACTION_DELETE) == 0 && entry->delete != NULL)
    return entry->delete (call);

  return fault_action_not_supported (call);
}

/* ---- Public --------------------------------------------------------------- */

ObSimWsmanDispatch *
ob_sim_wsman_dispatch_new (ObSimDevice *device)
{
  ObSimWsmanDispatch *self;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  self = g_new0 (ObSimWsmanDispatch, 1);
  self->device = g_object_ref (device);
  self->enumerations = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, enumeration_free);
  g_queue_init (&self->order);
  /* Start the counters somewhere other than zero, as firmware that has
   * been running a while would. */
  self->enumeration_counter = 0x2C0 + g_random_int_range (0, 0x100);
  self->message_counter = 0x1000 + (guint64) g_random_int_range (0, 0x1000);
  return self;
}

void
ob_sim_wsman_dispatch_free (ObSimWsmanDispatch *self)
{
  if (self == NULL)
    return;
  g_queue_clear (&self->order);
  g_hash_table_unref (self->enumerations);
  g_object_unref (self->device);
  g_free (self);
}

char *
ob_sim_wsman_dispatch_handle (ObSimWsmanDispatch   *self,
                              const char           *body,
                              gsize                 len,
                              const ObSimInitiator *who,
                              guint                *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ObWsmanRequest) request = NULL;
  Call call = { 0 };
  char *xml;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (body != NULL || len == 0, NULL);
  g_return_val_if_fail (status != NULL, NULL);

  call.self = self;
  call.device = self->device;
  call.who = who;
  call.status = 200;
  call.message_id = g_strdup_printf ("uuid:00000000-8086-8086-8086-%012" G_GINT64_MODIFIER "X",
                                     (gint64) ++self->message_counter);

  request = ob_wsman_request_parse (body != NULL ? body : "", len, &error);
  if (request == NULL)
    {
      g_debug ("Refusing a request that is not a WS-Man envelope: %s", error->message);
      xml = fault (&call, OB_WSMAN_ACTION_FAULT, "Sender", "e:SchemaValidationError",
                   "The supplied SOAP violates the corresponding XML Schema definition.", NULL);
    }
  else
    {
      call.request = request;
      call.class_name = ob_wsman_request_get_class_name (request);
      call.resource_uri = ob_wsman_request_get_resource_uri (request);
      call.relates_to = ob_wsman_request_get_message_id (request);
      xml = handle_call (&call);
    }

  *status = call.status;
  g_free (call.message_id);
  return xml;
}
