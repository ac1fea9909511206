/* ob-amt-logs.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* AMT_MessageLog event records (GetRecords RecordArray items) and
 * AMT_AuditLog records (ReadRecords EventRecords items).  Pure functions
 * over bytes; every malformation is OB_WSMAN_ERROR_MALFORMED, never an
 * over-read. */

#define OB_AMT_EVENT_RECORD_SIZE 21

typedef struct
{
  guint32 time_stamp;        /* seconds since 1970, LE on the wire */
  guint8  device_address;
  guint8  event_sensor_type;
  guint8  event_type;
  guint8  event_offset;
  guint8  event_source_type;
  guint8  event_severity;
  guint8  sensor_number;
  guint8  entity;
  guint8  entity_instance;
  guint8  event_data[8];
} ObAmtEventRecord;

/* Decode 21 raw bytes.  JSON object with the reference's fields:
 * DeviceAddress, EventSensorType, EventType, EventOffset, EventSourceType,
 * EventSeverity, SensorNumber, Entity, EntityInstance, EventData (array of
 * 8 numbers), TimeStamp (ISO 8601 UTC "…T…Z" with milliseconds, only when
 * the stamp is neither 0 nor 0xFFFFFFFF), EntityStr ("Unknown" when not in
 * the table), Desc (null when there is no description).  Base64 input is
 * checked strictly (alphabet, padding). */
JsonNode *ob_amt_event_record_decode        (const guint8  *data,
                                             gsize          len,
                                             GError       **error);
JsonNode *ob_amt_event_record_decode_base64 (const char    *base64,
                                             GError       **error);
/* Parse 21 bytes into @record (FALSE + error on a wrong size). */
gboolean  ob_amt_event_record_parse         (const guint8     *data,
                                             gsize             len,
                                             ObAmtEventRecord *record,
                                             GError          **error);
/* 21 bytes for @record (simulator, tests). */
GBytes   *ob_amt_event_record_encode        (const ObAmtEventRecord *record);
/* Entity type name ("BIOS", "Processor", …) and the description derived
 * from sensor type / offset / data, as the reference shows them. */
const char *ob_amt_event_entity_name        (guint8 entity);
/* PET severity name (1 "Monitor", 2 "Information", 4 "OK", 8 "Non-critical",
 * 16 "Critical", 32 "Non-recoverable", 0 "Unspecified"); NULL otherwise. */
const char *ob_amt_event_severity_name      (guint8 severity);
char       *ob_amt_event_describe           (const ObAmtEventRecord *record);

/* Audit record initiator types */
typedef enum
{
  OB_AMT_AUDIT_INITIATOR_HTTP_DIGEST = 0,
  OB_AMT_AUDIT_INITIATOR_KERBEROS    = 1,
  OB_AMT_AUDIT_INITIATOR_LOCAL       = 2,
  OB_AMT_AUDIT_INITIATOR_KVM_DEFAULT = 3,
} ObAmtAuditInitiator;

typedef struct
{
  guint16      app_id;
  guint16      event_id;
  guint8       initiator_type;       /* ObAmtAuditInitiator */
  const char  *user;                 /* digest user name (type 0) */
  const guint8 *kerberos_sid;        /* type 1 */
  gsize        kerberos_sid_len;
  guint32      time;                 /* seconds since 1970, BE on the wire */
  guint8       mc_location_type;
  const char  *net_address;
  const guint8 *ex_data;
  gsize        ex_len;
} ObAmtAuditRecord;

/* Decode one audit record.  JSON object with AuditAppID, EventID,
 * InitiatorType, AuditApp (null for an unknown application), Event ("#<id>"
 * for an unknown event), Initiator, Time (ISO 8601 UTC), MCLocationType,
 * NetAddress, Ex (the extended data, one character per byte; a NUL byte
 * becomes U+FFFD), ExStr (null when the reference has no text for it).
 * Every length byte is checked against the record; an unknown initiator
 * type is an error. */
JsonNode *ob_amt_audit_record_decode        (const guint8  *data,
                                             gsize          len,
                                             GError       **error);
JsonNode *ob_amt_audit_record_decode_base64 (const char    *base64,
                                             GError       **error);
/* Encode @record (simulator, tests); NULL + error when a length does not
 * fit its length byte. */
GBytes   *ob_amt_audit_record_encode        (const ObAmtAuditRecord *record,
                                             GError                **error);
/* Names from the reference's tables; NULL when unknown. */
const char *ob_amt_audit_app_name           (guint16 app_id);
const char *ob_amt_audit_event_name         (guint16 app_id,
                                             guint16 event_id);

G_END_DECLS
