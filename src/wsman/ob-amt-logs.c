/* ob-amt-logs.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-logs.h"
#include "ob-wsman-error.h"

/* Tables: names as Open AMT's MPS shows them (IPMI entity ids, BIOS
 * firmware error / progress codes, watchdog states, audit applications and
 * events, realm numbers).  Index = value; NULL = no name. */

static const char *const entity_names[] = {
  [0] = "Unspecified", [1] = "Other", [2] = "Unknown", [3] = "Processor",
  [4] = "Disk", [5] = "Peripheral", [6] = "System management module",
  [7] = "System board", [8] = "Memory module", [9] = "Processor module",
  [10] = "Power supply", [11] = "Add in card", [12] = "Front panel board",
  [13] = "Back panel board", [14] = "Power system board", [15] = "Drive backplane",
  [16] = "System internal expansion board", [17] = "Other system board",
  [18] = "Processor board", [19] = "Power unit", [20] = "Power module",
  [21] = "Power management board", [22] = "Chassis back panel board",
  [23] = "System chassis", [24] = "Sub chassis", [25] = "Other chassis board",
  [26] = "Disk drive bay", [27] = "Peripheral bay", [28] = "Device bay",
  [29] = "Fan cooling", [30] = "Cooling unit", [31] = "Cable interconnect",
  [32] = "Memory device", [33] = "System management software", [34] = "BIOS",
  [35] = "Intel(r) ME", [36] = "System bus", [37] = "Group", [38] = "Intel(r) ME",
  [39] = "External environment", [40] = "Battery", [41] = "Processing blade",
  [42] = "Connectivity switch", [43] = "Processor/memory module", [44] = "I/O module",
  [45] = "Processor I/O module", [46] = "Management controller firmware",
  [47] = "IPMI channel", [48] = "PCI bus", [49] = "PCI express bus", [50] = "SCSI bus",
  [51] = "SATA/SAS bus", [52] = "Processor front side bus",
};

static const char *const firmware_errors[] = {
  [0] = "Unspecified.",
  [1] = "No system memory is physically installed in the system.",
  [2] = "No usable system memory, all installed memory has experienced an unrecoverable failure.",
  [3] = "Unrecoverable hard-disk/ATAPI/IDE device failure.",
  [4] = "Unrecoverable system-board failure.",
  [5] = "Unrecoverable diskette subsystem failure.",
  [6] = "Unrecoverable hard-disk controller failure.",
  [7] = "Unrecoverable PS/2 or USB keyboard failure.",
  [8] = "Removable boot media not found.",
  [9] = "Unrecoverable video controller failure.",
  [10] = "No video device detected.",
  [11] = "Firmware (BIOS) ROM corruption detected.",
  [12] = "CPU voltage mismatch (processors that share same supply have mismatched voltage requirements)",
  [13] = "CPU speed matching failure",
};

static const char *const firmware_progress[] = {
  [0] = "Unspecified.", [1] = "Memory initialization.",
  [2] = "Starting hard-disk initialization and test",
  [3] = "Secondary processor(s) initialization", [4] = "User authentication",
  [5] = "User-initiated system setup", [6] = "USB resource configuration",
  [7] = "PCI resource configuration", [8] = "Option ROM initialization",
  [9] = "Video initialization", [10] = "Cache initialization",
  [11] = "SM Bus initialization", [12] = "Keyboard controller initialization",
  [13] = "Embedded controller/management controller initialization",
  [14] = "Docking station attachment", [15] = "Enabling docking station",
  [16] = "Docking station ejection", [17] = "Disabling docking station",
  [18] = "Calling operating system wake-up vector",
  [19] = "Starting operating system boot process",
  [20] = "Baseboard or motherboard initialization", [21] = "reserved",
  [22] = "Floppy initialization", [23] = "Keyboard test",
  [24] = "Pointing device test", [25] = "Primary processor initialization",
};

static const struct { guint8 value; const char *name; } watchdog_states[] = {
  { 1, "Not Started" }, { 2, "Stopped" }, { 4, "Running" }, { 8, "Expired" }, { 16, "Suspended" },
};

static const struct { guint8 value; const char *name; } severities[] = {
  { 0, "Unspecified" }, { 1, "Monitor" }, { 2, "Information" }, { 4, "OK" },
  { 8, "Non-critical" }, { 16, "Critical" }, { 32, "Non-recoverable" },
};

/* Audit applications (id) and events (id * 100 + event id). */
static const struct { guint id; const char *name; } audit_names[] = {
  { 16, "Security Admin" }, { 17, "RCO" }, { 18, "Redirection Manager" },
  { 19, "Firmware Update Manager" }, { 20, "Security Audit Log" }, { 21, "Network Time" },
  { 22, "Network Administration" }, { 23, "Storage Administration" }, { 24, "Event Manager" },
  { 25, "Circuit Breaker Manager" }, { 26, "Agent Presence Manager" },
  { 27, "Wireless Configuration" }, { 28, "EAC" }, { 29, "KVM" }, { 30, "User Opt-In Events" },
  { 32, "Screen Blanking" }, { 33, "Watchdog Events" },
  { 1600, "Provisioning Started" }, { 1601, "Provisioning Completed" },
  { 1602, "ACL Entry Added" }, { 1603, "ACL Entry Modified" }, { 1604, "ACL Entry Removed" },
  { 1605, "ACL Access with Invalid Credentials" }, { 1606, "ACL Entry State" },
  { 1607, "TLS State Changed" }, { 1608, "TLS Server Certificate Set" },
  { 1609, "TLS Server Certificate Remove" }, { 1610, "TLS Trusted Root Certificate Added" },
  { 1611, "TLS Trusted Root Certificate Removed" }, { 1612, "TLS Preshared Key Set" },
  { 1613, "Kerberos Settings Modified" }, { 1614, "Kerberos Master Key Modified" },
  { 1615, "Flash Wear out Counters Reset" }, { 1616, "Power Package Modified" },
  { 1617, "Set Realm Authentication Mode" }, { 1618, "Upgrade Client to Admin Control Mode" },
  { 1619, "Unprovisioning Started" },
  { 1700, "Performed Power Up" }, { 1701, "Performed Power Down" },
  { 1702, "Performed Power Cycle" }, { 1703, "Performed Reset" }, { 1704, "Set Boot Options" },
  { 1705, "Remote graceful power down initiated" }, { 1706, "Remote graceful reset initiated" },
  { 1707, "Remote Standby initiated" }, { 1708, "Remote Hiberate initiated" },
  { 1709, "Remote NMI initiated" },
  { 1800, "IDER Session Opened" }, { 1801, "IDER Session Closed" }, { 1802, "IDER Enabled" },
  { 1803, "IDER Disabled" }, { 1804, "SoL Session Opened" }, { 1805, "SoL Session Closed" },
  { 1806, "SoL Enabled" }, { 1807, "SoL Disabled" }, { 1808, "KVM Session Started" },
  { 1809, "KVM Session Ended" }, { 1810, "KVM Enabled" }, { 1811, "KVM Disabled" },
  { 1812, "VNC Password Failed 3 Times" },
  { 1900, "Firmware Updated" }, { 1901, "Firmware Update Failed" },
  { 2000, "Security Audit Log Cleared" }, { 2001, "Security Audit Policy Modified" },
  { 2002, "Security Audit Log Disabled" }, { 2003, "Security Audit Log Enabled" },
  { 2004, "Security Audit Log Exported" }, { 2005, "Security Audit Log Recovered" },
  { 2100, "Intel(R) ME Time Set" },
  { 2200, "TCPIP Parameters Set" }, { 2201, "Host Name Set" }, { 2202, "Domain Name Set" },
  { 2203, "VLAN Parameters Set" }, { 2204, "Link Policy Set" }, { 2205, "IPv6 Parameters Set" },
  { 2300, "Global Storage Attributes Set" }, { 2301, "Storage EACL Modified" },
  { 2302, "Storage FPACL Modified" }, { 2303, "Storage Write Operation" },
  { 2400, "Alert Subscribed" }, { 2401, "Alert Unsubscribed" }, { 2402, "Event Log Cleared" },
  { 2403, "Event Log Frozen" },
  { 2500, "CB Filter Added" }, { 2501, "CB Filter Removed" }, { 2502, "CB Policy Added" },
  { 2503, "CB Policy Removed" }, { 2504, "CB Default Policy Set" },
  { 2505, "CB Heuristics Option Set" }, { 2506, "CB Heuristics State Cleared" },
  { 2600, "Agent Watchdog Added" }, { 2601, "Agent Watchdog Removed" },
  { 2602, "Agent Watchdog Action Set" },
  { 2700, "Wireless Profile Added" }, { 2701, "Wireless Profile Removed" },
  { 2702, "Wireless Profile Updated" }, { 2703, "An existing profile sync was modified" },
  { 2704, "An existing profile link preference was changed" },
  { 2705, "Wireless profile share with UEFI enabled setting was changed" },
  { 2800, "EAC Posture Signer SET" }, { 2801, "EAC Enabled" }, { 2802, "EAC Disabled" },
  { 2803, "EAC Posture State" }, { 2804, "EAC Set Options" },
  { 2900, "KVM Opt-in Enabled" }, { 2901, "KVM Opt-in Disabled" },
  { 2902, "KVM Password Changed" }, { 2903, "KVM Consent Succeeded" },
  { 2904, "KVM Consent Failed" },
  { 3000, "Opt-In Policy Change" }, { 3001, "Send Consent Code Event" },
  { 3002, "Start Opt-In Blocked Event" },
  { 3301, "A user has modified the Watchdog Action settings" },
  { 3302, "A user has modified a Watchdog to add, remove, or alter the Watchdog Action connected to it" },
};

static const char *const realm_names[] = {
  [0] = "", [1] = "", [2] = "Redirection", [3] = "PT Administration", [4] = "Hardware Asset",
  [5] = "Remote Control", [6] = "Storage", [7] = "Event Manager", [8] = "Storage Admin",
  [9] = "Agent Presence Local", [10] = "Agent Presence Remote", [11] = "Circuit Breaker",
  [12] = "Network Time", [13] = "General Information", [14] = "Firmware Update", [15] = "EIT",
  [16] = "LocalUN", [17] = "Endpoint Access Control", [18] = "Endpoint Access Control Admin",
  [19] = "Event Log Reader", [20] = "Audit Log", [21] = "ACL Realm", [22] = "", [23] = "",
  [24] = "Local System",
};

static const char *const acl_access_names[] = { "Invalid ME access", "Invalid MEBx access" };
static const char *const enabled_names[] = { "Disabled", "Enabled" };
static const char *const tls_auth_names[] = { "NoAuth", "ServerAuth", "MutualAuth" };
static const char *const realm_auth_names[] = { "NoAuth", "Auth", "Disabled" };
static const char *const unprovision_names[] = { "BIOS", "MEBx", "Local MEI", "Local WSMAN", "Remote WSMAN" };
static const char *const opt_in_names[] = { "None", "KVM", "All" };
static const char *const consent_code_names[] = { "Success", "Failed 3 times" };

#define TABLE_NAME(table, index) \
  ((gsize) (index) < G_N_ELEMENTS (table) ? (table)[(index)] : NULL)

static const char *
audit_name (guint id)
{
  for (gsize i = 0; i < G_N_ELEMENTS (audit_names); i++)
    if (audit_names[i].id == id)
      return audit_names[i].name;
  return NULL;
}

const char *
ob_amt_audit_app_name (guint16 app_id)
{
  /* Application ids are below 100, so they never collide with events. */
  return app_id < 100 ? audit_name (app_id) : NULL;
}

const char *
ob_amt_audit_event_name (guint16 app_id,
                         guint16 event_id)
{
  if (app_id == 0 || app_id >= 100 || event_id >= 100)
    return NULL;
  return audit_name ((guint) app_id * 100 + event_id);
}

const char *
ob_amt_event_entity_name (guint8 entity)
{
  return TABLE_NAME (entity_names, entity);
}

const char *
ob_amt_event_severity_name (guint8 severity)
{
  for (gsize i = 0; i < G_N_ELEMENTS (severities); i++)
    if (severities[i].value == severity)
      return severities[i].name;
  return NULL;
}

/* Helpers */

static guint16
read_be16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint32
read_le32 (const guint8 *p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

/* Binary text as the reference holds it: one character per byte.  A NUL
 * cannot live in a C string, so it becomes U+FFFD. */
static char *
latin1_to_utf8 (const guint8 *data,
                gsize         len)
{
  GString *out = g_string_sized_new (len + 1);

  for (gsize i = 0; i < len; i++)
    g_string_append_unichar (out, data[i] != 0 ? data[i] : 0xFFFD);

  return g_string_free (out, FALSE);
}

/* The reference's JSON form of a Date: ISO 8601, milliseconds, UTC. */
static char *
format_time (guint32 seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) seconds);

  if (dt == NULL)
    return NULL;

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S.000Z");
}

/* Strict base64: only the alphabet, '=' padding at the end, white space
 * ignored.  g_base64_decode() alone would skip garbage silently. */
static GBytes *
decode_base64_strict (const char  *text,
                      GError     **error)
{
  g_autoptr(GString) clean = NULL;
  gsize padding = 0;
  guchar *data;
  gsize len = 0;

  if (text == NULL)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "Log record is missing");
      return NULL;
    }

  clean = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p++)
    {
      char c = *p;

      if (g_ascii_isspace (c))
        continue;
      if (c == '=')
        {
          padding++;
          g_string_append_c (clean, c);
          continue;
        }
      if (padding > 0 || !(g_ascii_isalnum (c) || c == '+' || c == '/'))
        {
          g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                               "Log record is not valid base64");
          return NULL;
        }
      g_string_append_c (clean, c);
    }

  if (padding > 2 || clean->len % 4 != 0)
    {
      g_set_error_literal (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                           "Log record is not valid base64");
      return NULL;
    }

  if (clean->len == 0)
    return g_bytes_new (NULL, 0);

  data = g_base64_decode (clean->str, &len);

  return g_bytes_new_take (data, len);
}

/* Event records */

gboolean
ob_amt_event_record_parse (const guint8     *data,
                           gsize             len,
                           ObAmtEventRecord *record,
                           GError          **error)
{
  g_return_val_if_fail (record != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (data == NULL || len != OB_AMT_EVENT_RECORD_SIZE)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                   "Event log record has %" G_GSIZE_FORMAT " bytes instead of %d",
                   data != NULL ? len : 0, OB_AMT_EVENT_RECORD_SIZE);
      return FALSE;
    }

  record->time_stamp = read_le32 (data);
  record->device_address = data[4];
  record->event_sensor_type = data[5];
  record->event_type = data[6];
  record->event_offset = data[7];
  record->event_source_type = data[8];
  record->event_severity = data[9];
  record->sensor_number = data[10];
  record->entity = data[11];
  record->entity_instance = data[12];
  memcpy (record->event_data, data + 13, sizeof record->event_data);

  return TRUE;
}

GBytes *
ob_amt_event_record_encode (const ObAmtEventRecord *record)
{
  guint8 out[OB_AMT_EVENT_RECORD_SIZE];

  g_return_val_if_fail (record != NULL, NULL);

  out[0] = record->time_stamp & 0xff;
  out[1] = (record->time_stamp >> 8) & 0xff;
  out[2] = (record->time_stamp >> 16) & 0xff;
  out[3] = (record->time_stamp >> 24) & 0xff;
  out[4] = record->device_address;
  out[5] = record->event_sensor_type;
  out[6] = record->event_type;
  out[7] = record->event_offset;
  out[8] = record->event_source_type;
  out[9] = record->event_severity;
  out[10] = record->sensor_number;
  out[11] = record->entity;
  out[12] = record->entity_instance;
  memcpy (out + 13, record->event_data, sizeof record->event_data);

  return g_bytes_new (out, sizeof out);
}

char *
ob_amt_event_describe (const ObAmtEventRecord *record)
{
  const guint8 *d;

  g_return_val_if_fail (record != NULL, NULL);

  d = record->event_data;
  switch (record->event_sensor_type)
    {
    case 6:
      return g_strdup_printf ("Authentication failed %u times. The system may be under attack.",
                              (guint) d[1] + ((guint) d[2] << 8));
    case 15:
      if (d[0] == 235)
        return g_strdup ("Invalid Data");
      if (record->event_offset == 0)
        return g_strdup (TABLE_NAME (firmware_errors, d[1]));
      return g_strdup (TABLE_NAME (firmware_progress, d[1]));
    case 18:
      if (d[0] == 170)
        {
          const char *state = NULL;

          for (gsize i = 0; i < G_N_ELEMENTS (watchdog_states); i++)
            if (watchdog_states[i].value == d[7])
              state = watchdog_states[i].name;
          return g_strdup_printf ("Agent watchdog %02X%02X%02X%02X-%02X%02X-... changed to %s",
                                  d[4], d[3], d[2], d[1], d[6], d[5],
                                  state != NULL ? state : "Unknown");
        }
      return NULL;
    case 30:
      return g_strdup ("No bootable media");
    case 32:
      return g_strdup ("Operating system lockup or power interrupt");
    case 35:
      return g_strdup ("System boot failure");
    case 37:
      return g_strdup ("System firmware started (at least one CPU is properly executing).");
    default:
      return g_strdup_printf ("Unknown Sensor Type #%u", record->event_sensor_type);
    }
}

JsonNode *
ob_amt_event_record_decode (const guint8  *data,
                            gsize          len,
                            GError       **error)
{
  ObAmtEventRecord record;
  g_autoptr(JsonBuilder) builder = NULL;
  g_autofree char *desc = NULL;
  const char *entity;

  if (!ob_amt_event_record_parse (data, len, &record, error))
    return NULL;

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "DeviceAddress");
  json_builder_add_int_value (builder, record.device_address);
  json_builder_set_member_name (builder, "EventSensorType");
  json_builder_add_int_value (builder, record.event_sensor_type);
  json_builder_set_member_name (builder, "EventType");
  json_builder_add_int_value (builder, record.event_type);
  json_builder_set_member_name (builder, "EventOffset");
  json_builder_add_int_value (builder, record.event_offset);
  json_builder_set_member_name (builder, "EventSourceType");
  json_builder_add_int_value (builder, record.event_source_type);
  json_builder_set_member_name (builder, "EventSeverity");
  json_builder_add_int_value (builder, record.event_severity);
  json_builder_set_member_name (builder, "SensorNumber");
  json_builder_add_int_value (builder, record.sensor_number);
  json_builder_set_member_name (builder, "Entity");
  json_builder_add_int_value (builder, record.entity);
  json_builder_set_member_name (builder, "EntityInstance");
  json_builder_add_int_value (builder, record.entity_instance);
  json_builder_set_member_name (builder, "EventData");
  json_builder_begin_array (builder);
  for (gsize i = 0; i < G_N_ELEMENTS (record.event_data); i++)
    json_builder_add_int_value (builder, record.event_data[i]);
  json_builder_end_array (builder);

  /* 0 and 0xFFFFFFFF mean "no time" in AMT's log. */
  if (record.time_stamp > 0 && record.time_stamp < 0xFFFFFFFFu)
    {
      g_autofree char *time = format_time (record.time_stamp);

      json_builder_set_member_name (builder, "TimeStamp");
      json_builder_add_string_value (builder, time);
    }

  entity = ob_amt_event_entity_name (record.entity);
  json_builder_set_member_name (builder, "EntityStr");
  json_builder_add_string_value (builder, entity != NULL ? entity : "Unknown");

  desc = ob_amt_event_describe (&record);
  json_builder_set_member_name (builder, "Desc");
  if (desc != NULL)
    json_builder_add_string_value (builder, desc);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

JsonNode *
ob_amt_event_record_decode_base64 (const char  *base64,
                                   GError     **error)
{
  g_autoptr(GBytes) bytes = decode_base64_strict (base64, error);
  gsize len = 0;
  const guint8 *data;

  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);

  return ob_amt_event_record_decode (data != NULL ? data : (const guint8 *) "", len, error);
}

/* Audit records */

static char *
sid_to_string (const guint8 *sid,
               gsize         len)
{
  GString *out;
  guint64 authority = 0;

  /* Revision, sub-authority count, 48-bit big-endian authority, then
   * little-endian 32-bit sub-authorities. */
  if (len < 8)
    return latin1_to_utf8 (sid, len);

  for (gsize i = 2; i < 8; i++)
    authority = (authority << 8) | sid[i];

  out = g_string_new (NULL);
  g_string_append_printf (out, "S-%u-%" G_GUINT64_FORMAT, sid[0], authority);
  for (gsize i = 8; i + 4 <= len; i += 4)
    g_string_append_printf (out, "-%u", read_le32 (sid + i));

  return g_string_free (out, FALSE);
}

static char *
ex_substring (const guint8 *ex,
              gsize         ex_len,
              gsize         from,
              gsize         count)
{
  /* Like JavaScript substring: clipped to what is there. */
  if (from >= ex_len)
    return g_strdup ("");
  return latin1_to_utf8 (ex + from, MIN (count, ex_len - from));
}

static char *
format_locale_time (guint32 seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc ((gint64) seconds);
  int hour;

  if (dt == NULL)
    return NULL;

  /* Node's default toLocaleString() (en-US), in UTC. */
  hour = g_date_time_get_hour (dt) % 12;
  return g_strdup_printf ("%d/%d/%d, %d:%02d:%02d %s",
                          g_date_time_get_month (dt), g_date_time_get_day_of_month (dt),
                          g_date_time_get_year (dt), hour == 0 ? 12 : hour,
                          g_date_time_get_minute (dt), g_date_time_get_second (dt),
                          g_date_time_get_hour (dt) < 12 ? "AM" : "PM");
}

/* Human-readable extended data for the events the reference knows; NULL
 * when there is none or the data is too short for it. */
static char *
describe_extended_data (guint         event,
                        const guint8 *ex,
                        gsize         ex_len)
{
  switch (event)
    {
    case 1602: /* ACL entry added */
    case 1604: /* ACL entry removed */
      if (ex_len >= 2 && ex[0] == 0)
        return ex_substring (ex, ex_len, 2, ex[1]);
      return NULL;
    case 1603: /* ACL entry modified */
      if (ex_len >= 2 && ex[1] == 0)
        return ex_substring (ex, ex_len, 3, G_MAXSIZE);
      return NULL;
    case 1605:
      return ex_len >= 1 ? g_strdup (TABLE_NAME (acl_access_names, ex[0])) : NULL;
    case 1606:
      {
        const char *state = ex_len >= 1 ? TABLE_NAME (enabled_names, ex[0]) : NULL;

        if (state == NULL)
          return NULL;
        if (ex_len >= 2 && ex[1] == 0)
          {
            g_autofree char *name = ex_substring (ex, ex_len, 3, G_MAXSIZE);

            return g_strdup_printf ("%s, %s", state, name);
          }
        return g_strdup (state);
      }
    case 1607:
      {
        const char *remote = ex_len >= 2 ? TABLE_NAME (tls_auth_names, ex[0]) : NULL;
        const char *local = ex_len >= 2 ? TABLE_NAME (tls_auth_names, ex[1]) : NULL;

        if (remote == NULL || local == NULL)
          return NULL;
        return g_strdup_printf ("Remote %s, Local %s", remote, local);
      }
    case 1617:
      {
        const char *realm = ex_len >= 5 ? TABLE_NAME (realm_names, read_be32 (ex)) : NULL;
        const char *mode = ex_len >= 5 ? TABLE_NAME (realm_auth_names, ex[4]) : NULL;

        if (realm == NULL || mode == NULL)
          return NULL;
        return g_strdup_printf ("%s, %s", realm, mode);
      }
    case 1619:
      return ex_len >= 1 ? g_strdup (TABLE_NAME (unprovision_names, ex[0])) : NULL;
    case 1900:
      if (ex_len < 16)
        return NULL;
      return g_strdup_printf ("From %u.%u.%u.%u to %u.%u.%u.%u",
                              read_be16 (ex), read_be16 (ex + 2), read_be16 (ex + 4), read_be16 (ex + 6),
                              read_be16 (ex + 8), read_be16 (ex + 10), read_be16 (ex + 12), read_be16 (ex + 14));
    case 2100:
      return ex_len >= 4 ? format_locale_time (read_be32 (ex)) : NULL;
    case 3000:
      {
        const char *from = ex_len >= 2 ? TABLE_NAME (opt_in_names, ex[0]) : NULL;
        const char *to = ex_len >= 2 ? TABLE_NAME (opt_in_names, ex[1]) : NULL;

        if (from == NULL || to == NULL)
          return NULL;
        return g_strdup_printf ("From %s to %s", from, to);
      }
    case 3001:
      return ex_len >= 1 ? g_strdup (TABLE_NAME (consent_code_names, ex[0])) : NULL;
    default:
      return NULL;
    }
}

static gboolean
need (gsize    len,
      gsize    offset,
      gsize    count,
      GError **error)
{
  if (offset > len || count > len - offset)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                   "Audit log record ends at byte %" G_GSIZE_FORMAT " but needs %" G_GSIZE_FORMAT,
                   len, offset + count);
      return FALSE;
    }
  return TRUE;
}

JsonNode *
ob_amt_audit_record_decode (const guint8  *data,
                            gsize          len,
                            GError       **error)
{
  guint16 app_id;
  guint16 event_id;
  guint8 initiator_type;
  g_autofree char *initiator = NULL;
  g_autofree char *time = NULL;
  g_autofree char *net_address = NULL;
  g_autofree char *ex = NULL;
  g_autofree char *ex_str = NULL;
  g_autofree char *event_fallback = NULL;
  const char *event_name;
  const char *app_name;
  const guint8 *ex_data;
  guint8 mc_location;
  guint8 net_len;
  guint8 ex_len;
  guint32 seconds;
  gsize ptr;
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    len = 0;
  if (!need (len, 0, 5, error))
    return NULL;

  app_id = read_be16 (data);
  event_id = read_be16 (data + 2);
  initiator_type = data[4];

  switch (initiator_type)
    {
    case OB_AMT_AUDIT_INITIATOR_HTTP_DIGEST:
      if (!need (len, 5, 1, error) || !need (len, 6, data[5], error))
        return NULL;
      initiator = latin1_to_utf8 (data + 6, data[5]);
      ptr = 6 + (gsize) data[5];
      break;
    case OB_AMT_AUDIT_INITIATOR_KERBEROS:
      if (!need (len, 9, 1, error) || !need (len, 10, data[9], error))
        return NULL;
      initiator = sid_to_string (data + 10, data[9]);
      ptr = 10 + (gsize) data[9];
      break;
    case OB_AMT_AUDIT_INITIATOR_LOCAL:
      initiator = g_strdup ("Local");
      ptr = 5;
      break;
    case OB_AMT_AUDIT_INITIATOR_KVM_DEFAULT:
      initiator = g_strdup ("KVM Default Port");
      ptr = 5;
      break;
    default:
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_MALFORMED,
                   "Audit log record has an unknown initiator type %u", initiator_type);
      return NULL;
    }

  if (!need (len, ptr, 4 + 1 + 1, error))
    return NULL;
  seconds = read_be32 (data + ptr);
  ptr += 4;
  mc_location = data[ptr++];
  net_len = data[ptr++];
  if (!need (len, ptr, net_len, error))
    return NULL;
  net_address = latin1_to_utf8 (data + ptr, net_len);
  ptr += net_len;
  if (!need (len, ptr, 1, error))
    return NULL;
  ex_len = data[ptr++];
  if (!need (len, ptr, ex_len, error))
    return NULL;
  ex_data = data + ptr;

  /* The reference shortens the IPv6 loopback (first occurrence only). */
  {
    const char *loopback = "0000:0000:0000:0000:0000:0000:0000:0001";
    char *found = strstr (net_address, loopback);

    if (found != NULL)
      {
        char *shorter = g_strdup_printf ("%.*s::1%s", (int) (found - net_address), net_address,
                                         found + strlen (loopback));

        g_free (net_address);
        net_address = shorter;
      }
  }

  ex = latin1_to_utf8 (ex_data, ex_len);
  ex_str = describe_extended_data ((guint) app_id * 100 + event_id, ex_data, ex_len);
  time = format_time (seconds);
  app_name = ob_amt_audit_app_name (app_id);
  event_name = ob_amt_audit_event_name (app_id, event_id);
  if (event_name == NULL)
    event_name = event_fallback = g_strdup_printf ("#%u", event_id);

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "AuditAppID");
  json_builder_add_int_value (builder, app_id);
  json_builder_set_member_name (builder, "EventID");
  json_builder_add_int_value (builder, event_id);
  json_builder_set_member_name (builder, "InitiatorType");
  json_builder_add_int_value (builder, initiator_type);
  json_builder_set_member_name (builder, "AuditApp");
  if (app_name != NULL)
    json_builder_add_string_value (builder, app_name);
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "Event");
  json_builder_add_string_value (builder, event_name);
  json_builder_set_member_name (builder, "Initiator");
  json_builder_add_string_value (builder, initiator);
  json_builder_set_member_name (builder, "Time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "MCLocationType");
  json_builder_add_int_value (builder, mc_location);
  json_builder_set_member_name (builder, "NetAddress");
  json_builder_add_string_value (builder, net_address);
  json_builder_set_member_name (builder, "Ex");
  json_builder_add_string_value (builder, ex);
  json_builder_set_member_name (builder, "ExStr");
  if (ex_str != NULL)
    json_builder_add_string_value (builder, ex_str);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

JsonNode *
ob_amt_audit_record_decode_base64 (const char  *base64,
                                   GError     **error)
{
  g_autoptr(GBytes) bytes = decode_base64_strict (base64, error);
  gsize len = 0;
  const guint8 *data;

  if (bytes == NULL)
    return NULL;

  data = g_bytes_get_data (bytes, &len);

  return ob_amt_audit_record_decode (data != NULL ? data : (const guint8 *) "", len, error);
}

static gboolean
append_counted (GByteArray   *out,
                const guint8 *data,
                gsize         len,
                const char   *what,
                GError      **error)
{
  guint8 count = (guint8) len;

  if (len > G_MAXUINT8)
    {
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                   "The %s of an audit record is longer than 255 bytes", what);
      return FALSE;
    }

  g_byte_array_append (out, &count, 1);
  if (len > 0)
    g_byte_array_append (out, data, len);

  return TRUE;
}

GBytes *
ob_amt_audit_record_encode (const ObAmtAuditRecord *record,
                            GError                **error)
{
  g_autoptr(GByteArray) out = NULL;
  guint8 head[5];
  guint8 tail[5];
  const char *net = NULL;

  g_return_val_if_fail (record != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  out = g_byte_array_new ();
  head[0] = record->app_id >> 8;
  head[1] = record->app_id & 0xff;
  head[2] = record->event_id >> 8;
  head[3] = record->event_id & 0xff;
  head[4] = record->initiator_type;
  g_byte_array_append (out, head, sizeof head);

  switch (record->initiator_type)
    {
    case OB_AMT_AUDIT_INITIATOR_HTTP_DIGEST:
      {
        const char *user = record->user != NULL ? record->user : "";

        if (!append_counted (out, (const guint8 *) user, strlen (user), "user name", error))
          return NULL;
      }
      break;
    case OB_AMT_AUDIT_INITIATOR_KERBEROS:
      {
        static const guint8 reserved[4] = { 0, };

        /* Four bytes the decoders skip, then the counted SID. */
        g_byte_array_append (out, reserved, sizeof reserved);
        if (!append_counted (out, record->kerberos_sid, record->kerberos_sid != NULL ? record->kerberos_sid_len : 0,
                             "Kerberos SID", error))
          return NULL;
      }
      break;
    case OB_AMT_AUDIT_INITIATOR_LOCAL:
    case OB_AMT_AUDIT_INITIATOR_KVM_DEFAULT:
      break;
    default:
      g_set_error (error, OB_WSMAN_ERROR, OB_WSMAN_ERROR_INVALID_ARGUMENT,
                   "Unknown audit initiator type %u", record->initiator_type);
      return NULL;
    }

  tail[0] = record->time >> 24;
  tail[1] = (record->time >> 16) & 0xff;
  tail[2] = (record->time >> 8) & 0xff;
  tail[3] = record->time & 0xff;
  tail[4] = record->mc_location_type;
  g_byte_array_append (out, tail, sizeof tail);

  net = record->net_address != NULL ? record->net_address : "";
  if (!append_counted (out, (const guint8 *) net, strlen (net), "network address", error) ||
      !append_counted (out, record->ex_data, record->ex_data != NULL ? record->ex_len : 0,
                       "extended data", error))
    return NULL;

  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}
