/* ob-sim-device.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-sim-device.h"
#include "ob-util.h"

/* Event log record fields AMT firmware uses for its own records. */
#define EVENT_TYPE_SENSOR_SPECIFIC 0x6F
#define EVENT_SOURCE_ASF           0x68
#define EVENT_DEVICE_ADDRESS       0xFF
#define EVENT_SENSOR_NUMBER        0xFF

#define SENSOR_SECURITY_VIOLATION  0x06  /* "Authentication failed N times" */
#define SENSOR_FIRMWARE_PROGRESS   0x0F
#define SENSOR_ACPI_POWER_STATE    0x22

#define SEVERITY_MONITOR           0x01
#define SEVERITY_CRITICAL          0x10

#define ENTITY_UNSPECIFIED         0
#define ENTITY_BIOS                34
#define ENTITY_ME                  38

/* System firmware progress codes (sensor 0x0F, offset 2, data byte 1). */
#define PROGRESS_MEMORY_INIT       1
#define PROGRESS_USER_SETUP        5
#define PROGRESS_VIDEO_INIT        9
#define PROGRESS_OS_BOOT           19
#define PROGRESS_PRIMARY_CPU_INIT  25

/* Audit log application and event ids (AMT_AuditLog). */
#define AUDIT_APP_SECURITY_ADMIN   16
#define AUDIT_APP_REMOTE_CONTROL   17
#define AUDIT_APP_REDIRECTION      18
#define AUDIT_APP_AUDIT_LOG        20
#define AUDIT_APP_USER_OPT_IN      30

/* An alarm as the device keeps it: a one-shot alarm without
 * DeleteOnCompletion stays listed after it fired, but is spent. */
typedef struct
{
  ObSimAlarm alarm;
  gboolean   spent;
} AlarmEntry;

struct _ObSimDevice
{
  GObject           parent_instance;

  GMainContext     *context;
  GSource          *timer;

  /* identity */
  char             *guid;
  char             *amt_version;
  char             *build_number;
  guint             sku;
  ObSimControlMode  control_mode;
  char             *hostname;
  char             *domain_name;
  char             *digest_realm;
  gboolean          kvm_supported;
  GHashTable       *missing_classes;  /* class name set; NULL while none */
  GHashTable       *inventory;       /* class name -> GPtrArray<ObSimInstance> */

  /* endpoint, set by the server */
  char             *address;
  guint             http_port;
  guint             tls_port;
  guint             latency_ms;

  gint64            clock_offset;    /* microseconds added to wall time */

  /* power and boot */
  guint             power_state;
  guint             os_power_saving_state;
  ObSimBootSettings boot;
  char             *uefi_boot_parameters;
  char             *boot_source;
  gboolean          boot_config_next;
  gboolean          ocr_enabled;
  ObSimBootTarget   last_boot_target;
  gboolean          last_boot_used_sol;
  guint             boot_count;

  /* redirection */
  gboolean          listener_enabled;
  gboolean          sol_enabled;
  gboolean          ider_enabled;
  gboolean          kvm_enabled;
  guint             kvm_requested_state;
  ObSimKvmSettings  kvm_settings;
  char             *rfb_password;

  /* consent */
  guint             opt_in_required;
  ObSimOptInState   opt_in_state;
  char             *consent_code;
  guint             consent_attempts;
  gint64            consent_deadline;   /* device seconds, 0 = none */
  guint             opt_in_code_timeout;
  guint             opt_in_display_timeout;

  /* logs, oldest first */
  GPtrArray        *event_log;
  GPtrArray        *audit_log;
  guint             auth_failures;

  GPtrArray        *alarms;
};

G_DEFINE_FINAL_TYPE (ObSimDevice, ob_sim_device, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ObSimControlMode, ob_sim_control_mode,
  G_DEFINE_ENUM_VALUE (OB_SIM_CONTROL_MODE_PRE_PROVISIONING, "pre-provisioning"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CONTROL_MODE_CCM, "ccm"),
  G_DEFINE_ENUM_VALUE (OB_SIM_CONTROL_MODE_ACM, "acm"))

G_DEFINE_ENUM_TYPE (ObSimBootTarget, ob_sim_boot_target,
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_OS, "os"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_BIOS_SETUP, "bios-setup"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_PXE, "pxe"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_CD_DVD, "cd-dvd"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_IDER_FLOPPY, "ider-floppy"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_IDER_CD, "ider-cd"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_UEFI_HTTPS, "uefi-https"),
  G_DEFINE_ENUM_VALUE (OB_SIM_BOOT_TARGET_SECURE_ERASE, "secure-erase"))

G_DEFINE_BOXED_TYPE (ObSimAlarm, ob_sim_alarm, ob_sim_alarm_copy, ob_sim_alarm_free)

enum
{
  PROP_0,
  PROP_GUID,
  PROP_AMT_VERSION,
  PROP_BUILD_NUMBER,
  PROP_SKU,
  PROP_CONTROL_MODE,
  PROP_HOSTNAME,
  PROP_KVM_SUPPORTED,
  PROP_ADDRESS,
  PROP_HTTP_PORT,
  PROP_TLS_PORT,
  PROP_LATENCY_MS,
  PROP_POWER_STATE,
  PROP_OS_POWER_SAVING_STATE,
  PROP_LAST_BOOT_TARGET,
  PROP_LISTENER_ENABLED,
  PROP_SOL_ENABLED,
  PROP_IDER_ENABLED,
  PROP_KVM_ENABLED,
  PROP_OPT_IN_REQUIRED,
  PROP_OPT_IN_STATE,
  PROP_CONSENT_CODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_BOOTED,
  SIGNAL_LOG_CHANGED,
  SIGNAL_ALARM_FIRED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* AvailableRequestedPowerStates as AMT reports them, by current state. */
static const guint states_when_on[] = { 10, 8, 5, 11, 4, 7, 14, 12 };
static const guint states_when_asleep[] = { 8, 2, 5 };
static const guint states_when_off[] = { 2 };

static void schedule_timer (ObSimDevice *self);
static void process_due    (ObSimDevice *self);

/* ---- Small helpers ------------------------------------------------------ */

ObSimAlarm *
ob_sim_alarm_copy (const ObSimAlarm *alarm)
{
  ObSimAlarm *copy;

  g_return_val_if_fail (alarm != NULL, NULL);

  copy = g_new0 (ObSimAlarm, 1);
  copy->instance_id = g_strdup (alarm->instance_id);
  copy->element_name = g_strdup (alarm->element_name);
  copy->start_time = alarm->start_time;
  copy->interval_minutes = alarm->interval_minutes;
  copy->delete_on_completion = alarm->delete_on_completion;
  return copy;
}

void
ob_sim_alarm_free (ObSimAlarm *alarm)
{
  if (alarm == NULL)
    return;
  g_free (alarm->instance_id);
  g_free (alarm->element_name);
  g_free (alarm);
}

static void
alarm_entry_free (gpointer data)
{
  AlarmEntry *entry = data;

  g_free (entry->alarm.instance_id);
  g_free (entry->alarm.element_name);
  g_free (entry);
}

static gboolean
is_on (ObSimDevice *self)
{
  return self->power_state == OB_SIM_POWER_ON;
}

static gboolean
is_asleep (ObSimDevice *self)
{
  return self->power_state == OB_SIM_POWER_SLEEP_LIGHT ||
         self->power_state == OB_SIM_POWER_SLEEP_DEEP;
}

static gboolean
set_string (char       **field,
            const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}

static void
notify (ObSimDevice *self,
        guint        prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
push_bounded (GPtrArray *log,
              GBytes    *record,
              guint      max)
{
  g_ptr_array_add (log, record);
  if (log->len > max)
    g_ptr_array_remove_range (log, 0, log->len - max);
}

/* A random 32-bit value from the system's CSPRNG (consent codes, realms). */
static guint32
random_u32 (void)
{
  guint32 v;

  ob_random_bytes ((guint8 *) &v, sizeof v);
  return v;
}

/* ---- Logs --------------------------------------------------------------- */

static void
add_event_at (ObSimDevice  *self,
              gint64        when,
              guint8        sensor_type,
              guint8        event_offset,
              guint8        severity,
              guint8        entity,
              const guint8  event_data[8])
{
  guint8 rec[21] = { 0 };
  guint32 stamp = (guint32) CLAMP (when, 1, (gint64) G_MAXUINT32 - 1);

  /* TimeStamp is little-endian; the rest one byte each (AMT_MessageLog). */
  rec[0] = stamp & 0xFF;
  rec[1] = (stamp >> 8) & 0xFF;
  rec[2] = (stamp >> 16) & 0xFF;
  rec[3] = (stamp >> 24) & 0xFF;
  rec[4] = EVENT_DEVICE_ADDRESS;
  rec[5] = sensor_type;
  rec[6] = EVENT_TYPE_SENSOR_SPECIFIC;
  rec[7] = event_offset;
  rec[8] = EVENT_SOURCE_ASF;
  rec[9] = severity;
  rec[10] = EVENT_SENSOR_NUMBER;
  rec[11] = entity;
  rec[12] = 0;
  if (event_data != NULL)
    memcpy (rec + 13, event_data, 8);

  push_bounded (self->event_log, g_bytes_new (rec, sizeof rec), OB_SIM_DEVICE_MAX_EVENT_RECORDS);
  g_signal_emit (self, signals[SIGNAL_LOG_CHANGED], 0);
}

void
ob_sim_device_add_event (ObSimDevice  *self,
                         guint8        sensor_type,
                         guint8        event_offset,
                         guint8        severity,
                         guint8        entity,
                         const guint8  event_data[8])
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  add_event_at (self, ob_sim_device_get_time (self), sensor_type, event_offset,
                severity, entity, event_data);
}

static void
add_progress_event (ObSimDevice *self,
                    gint64       when,
                    guint8       code)
{
  const guint8 data[8] = { 0x40, code, 0, 0, 0, 0, 0, 0 };

  add_event_at (self, when, SENSOR_FIRMWARE_PROGRESS, 2, SEVERITY_MONITOR, ENTITY_BIOS, data);
}

static void
add_power_event (ObSimDevice *self,
                 guint        power_state)
{
  guint8 acpi;

  /* Sensor 0x22 offsets are ACPI states: 0 S0, 1 S1, 3 S3, 4 S4, 5 S5. */
  switch (power_state)
    {
    case OB_SIM_POWER_ON:          acpi = 0; break;
    case OB_SIM_POWER_SLEEP_LIGHT: acpi = 1; break;
    case OB_SIM_POWER_SLEEP_DEEP:  acpi = 3; break;
    case OB_SIM_POWER_HIBERNATE:   acpi = 4; break;
    case OB_SIM_POWER_OFF_HARD:    acpi = 7; break;
    case OB_SIM_POWER_OFF_SOFT:
    default:                       acpi = 5; break;
    }
  ob_sim_device_add_event (self, SENSOR_ACPI_POWER_STATE, acpi, SEVERITY_MONITOR,
                           ENTITY_UNSPECIFIED, NULL);
}

static void
add_audit_at (ObSimDevice          *self,
              gint64                when,
              guint16               app_id,
              guint16               event_id,
              const ObSimInitiator *who,
              const guint8         *ex_data,
              gsize                 ex_len)
{
  GByteArray *rec = g_byte_array_sized_new (32);
  guint32 t = (guint32) CLAMP (when, 0, (gint64) G_MAXUINT32);
  guint8 b;
  gsize user_len = 0;
  gsize addr_len = 0;

  if (who != NULL && who->user != NULL)
    user_len = MIN (strlen (who->user), 255);
  if (who != NULL && who->address != NULL)
    addr_len = MIN (strlen (who->address), 255);
  ex_len = MIN (ex_len, 255);

  /* Big-endian ids, then the initiator: 0 = HTTP digest user, 2 = local. */
  b = app_id >> 8;     g_byte_array_append (rec, &b, 1);
  b = app_id & 0xFF;   g_byte_array_append (rec, &b, 1);
  b = event_id >> 8;   g_byte_array_append (rec, &b, 1);
  b = event_id & 0xFF; g_byte_array_append (rec, &b, 1);
  if (user_len > 0)
    {
      b = 0;               g_byte_array_append (rec, &b, 1);
      b = (guint8) user_len; g_byte_array_append (rec, &b, 1);
      g_byte_array_append (rec, (const guint8 *) who->user, user_len);
    }
  else
    {
      b = 2; g_byte_array_append (rec, &b, 1);
    }
  b = t >> 24;          g_byte_array_append (rec, &b, 1);
  b = (t >> 16) & 0xFF; g_byte_array_append (rec, &b, 1);
  b = (t >> 8) & 0xFF;  g_byte_array_append (rec, &b, 1);
  b = t & 0xFF;         g_byte_array_append (rec, &b, 1);
  /* MCLocationType: 0 IPv4, 1 IPv6, 2 none. */
  if (addr_len == 0)
    b = 2;
  else if (strchr (who->address, ':') != NULL)
    b = 1;
  else
    b = 0;
  g_byte_array_append (rec, &b, 1);
  b = (guint8) addr_len; g_byte_array_append (rec, &b, 1);
  if (addr_len > 0)
    g_byte_array_append (rec, (const guint8 *) who->address, addr_len);
  b = (guint8) ex_len; g_byte_array_append (rec, &b, 1);
  if (ex_len > 0)
    g_byte_array_append (rec, ex_data, ex_len);

  push_bounded (self->audit_log, g_byte_array_free_to_bytes (rec), OB_SIM_DEVICE_MAX_AUDIT_RECORDS);
  g_signal_emit (self, signals[SIGNAL_LOG_CHANGED], 0);
}

void
ob_sim_device_add_audit (ObSimDevice          *self,
                         guint16               app_id,
                         guint16               event_id,
                         const ObSimInitiator *who,
                         const guint8         *ex_data,
                         gsize                 ex_len)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (ex_len == 0 || ex_data != NULL);
  add_audit_at (self, ob_sim_device_get_time (self), app_id, event_id, who, ex_data, ex_len);
}

guint
ob_sim_device_get_n_event_records (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->event_log->len;
}

GBytes *
ob_sim_device_get_event_record (ObSimDevice *self,
                                guint        index)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  g_return_val_if_fail (index < self->event_log->len, NULL);
  return g_bytes_ref (g_ptr_array_index (self->event_log, index));
}

guint
ob_sim_device_get_n_audit_records (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->audit_log->len;
}

GBytes *
ob_sim_device_get_audit_record (ObSimDevice *self,
                                guint        index)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  g_return_val_if_fail (index < self->audit_log->len, NULL);
  return g_bytes_ref (g_ptr_array_index (self->audit_log, index));
}

void
ob_sim_device_note_auth_failure (ObSimDevice *self)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  self->auth_failures++;
  if (self->auth_failures % 3 == 0)
    {
      guint count = MIN (self->auth_failures, G_MAXUINT16);
      const guint8 data[8] = { 0xAA, count & 0xFF, count >> 8, 0, 0, 0, 0, 0 };

      ob_sim_device_add_event (self, SENSOR_SECURITY_VIOLATION, 5, SEVERITY_CRITICAL,
                               ENTITY_ME, data);
    }
}

void
ob_sim_device_note_auth_success (ObSimDevice *self)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  self->auth_failures = 0;
}

/* ---- Clock and deadlines -------------------------------------------- */

gint64
ob_sim_device_get_time (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return (g_get_real_time () + self->clock_offset) / G_USEC_PER_SEC;
}

void
ob_sim_device_advance_clock (ObSimDevice *self,
                             gint64       seconds)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (seconds >= 0);

  self->clock_offset += seconds * G_USEC_PER_SEC;
  process_due (self);
}

static gboolean
timer_cb (gpointer user_data)
{
  ObSimDevice *self = user_data;

  g_clear_pointer (&self->timer, g_source_unref);
  process_due (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_timer (ObSimDevice *self)
{
  gint64 next = G_MAXINT64;
  gint64 now = ob_sim_device_get_time (self);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }

  if (self->consent_deadline > 0)
    next = self->consent_deadline;
  for (guint i = 0; i < self->alarms->len; i++)
    {
      ObSimAlarm *alarm = g_ptr_array_index (self->alarms, i);

      if (!((AlarmEntry *) alarm)->spent)
        next = MIN (next, MAX (alarm->start_time, now));
    }
  if (next == G_MAXINT64)
    return;

  /* Whole seconds on the device clock; at least one so a past-due alarm
   * that stays (no DeleteOnCompletion) does not spin. */
  self->timer = g_timeout_source_new_seconds ((guint) CLAMP (next - now, 1, 24 * 3600));
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_set_static_name (self->timer, "[outband-sim] device deadline");
  g_source_attach (self->timer, self->context);
}

static void
consent_reset (ObSimDevice *self)
{
  gboolean had_code = self->consent_code != NULL;
  gboolean changed_state = self->opt_in_state != OB_SIM_OPT_IN_STATE_NOT_STARTED;

  if (self->consent_code != NULL)
    ob_secure_free_string (g_steal_pointer (&self->consent_code));
  self->opt_in_state = OB_SIM_OPT_IN_STATE_NOT_STARTED;
  self->consent_attempts = 0;
  self->consent_deadline = 0;
  if (changed_state)
    notify (self, PROP_OPT_IN_STATE);
  if (had_code)
    notify (self, PROP_CONSENT_CODE);
}

static void boot        (ObSimDevice *self);
static void enter_state (ObSimDevice *self,
                         guint        state);

static void
process_due (ObSimDevice *self)
{
  gint64 now = ob_sim_device_get_time (self);
  g_autoptr(GPtrArray) fired = g_ptr_array_new_with_free_func (g_free);

  if (self->consent_deadline > 0 && now >= self->consent_deadline &&
      self->opt_in_state != OB_SIM_OPT_IN_STATE_IN_SESSION)
    consent_reset (self);

  for (guint i = 0; i < self->alarms->len;)
    {
      ObSimAlarm *alarm = g_ptr_array_index (self->alarms, i);

      if (alarm->start_time > now || ((AlarmEntry *) alarm)->spent)
        {
          i++;
          continue;
        }

      /* Fire once per pass; a repeating alarm jumps to its next time in
       * the future (missed periods do not pile up). */
      g_ptr_array_add (fired, g_strdup (alarm->instance_id));
      if (alarm->interval_minutes > 0)
        {
          gint64 step = (gint64) alarm->interval_minutes * 60;

          alarm->start_time += ((now - alarm->start_time) / step + 1) * step;
          i++;
        }
      else if (alarm->delete_on_completion)
        g_ptr_array_remove_index (self->alarms, i);
      else
        {
          ((AlarmEntry *) alarm)->spent = TRUE;
          i++;
        }
    }

  for (guint i = 0; i < fired->len; i++)
    {
      if (self->power_state != OB_SIM_POWER_ON)
        {
          if (is_asleep (self))
            enter_state (self, OB_SIM_POWER_ON);
          else
            boot (self);
        }
      g_signal_emit (self, signals[SIGNAL_ALARM_FIRED], 0, (const char *) g_ptr_array_index (fired, i));
    }

  schedule_timer (self);
}

/* ---- Power ---------------------------------------------------------- */

static gboolean
boot_options_cleared (ObSimDevice *self)
{
  static const ObSimBootSettings cleared = { 0 };

  return memcmp (&self->boot, &cleared, sizeof cleared) == 0 &&
         self->uefi_boot_parameters == NULL &&
         self->boot_source == NULL;
}

/* The host runs its firmware: the boot settings and next-boot source pick
 * what it boots into, then the firmware clears them (AMT boot options are
 * for one boot). */
static void
boot (ObSimDevice *self)
{
  ObSimBootTarget target = OB_SIM_BOOT_TARGET_OS;
  gboolean use_sol = self->boot.use_sol && self->sol_enabled && self->listener_enabled;
  gboolean was_on = is_on (self);
  gint64 now = ob_sim_device_get_time (self);

  if (self->boot.bios_setup)
    target = OB_SIM_BOOT_TARGET_BIOS_SETUP;
  else if (self->boot.secure_erase)
    target = OB_SIM_BOOT_TARGET_SECURE_ERASE;
  else if (self->boot.use_ider && self->ider_enabled && self->listener_enabled)
    target = self->boot.ider_boot_device == 1 ? OB_SIM_BOOT_TARGET_IDER_CD
                                              : OB_SIM_BOOT_TARGET_IDER_FLOPPY;
  else if (self->boot_source != NULL && self->boot_config_next)
    {
      if (g_str_equal (self->boot_source, OB_SIM_BOOT_SOURCE_PXE))
        target = OB_SIM_BOOT_TARGET_PXE;
      else if (g_str_equal (self->boot_source, OB_SIM_BOOT_SOURCE_CD_DVD))
        target = OB_SIM_BOOT_TARGET_CD_DVD;
      else if (g_str_equal (self->boot_source, OB_SIM_BOOT_SOURCE_UEFI_HTTPS))
        target = OB_SIM_BOOT_TARGET_UEFI_HTTPS;
    }

  add_power_event (self, OB_SIM_POWER_ON);
  add_progress_event (self, now, PROGRESS_MEMORY_INIT);
  add_progress_event (self, now, PROGRESS_PRIMARY_CPU_INIT);
  add_progress_event (self, now, PROGRESS_VIDEO_INIT);
  add_progress_event (self, now, target == OB_SIM_BOOT_TARGET_BIOS_SETUP ? PROGRESS_USER_SETUP
                                                                         : PROGRESS_OS_BOOT);

  memset (&self->boot, 0, sizeof self->boot);
  g_clear_pointer (&self->uefi_boot_parameters, g_free);
  g_clear_pointer (&self->boot_source, g_free);
  self->boot_config_next = FALSE;

  self->power_state = OB_SIM_POWER_ON;
  self->os_power_saving_state = OB_SIM_OS_POWER_FULL;
  self->last_boot_target = target;
  self->last_boot_used_sol = use_sol;
  self->boot_count++;

  /* A code requested while the host was off appears on its screen now. */
  if (self->opt_in_state == OB_SIM_OPT_IN_STATE_REQUESTED)
    {
      self->opt_in_state = OB_SIM_OPT_IN_STATE_DISPLAYED;
      notify (self, PROP_OPT_IN_STATE);
    }

  if (!was_on)
    notify (self, PROP_POWER_STATE);
  notify (self, PROP_OS_POWER_SAVING_STATE);
  notify (self, PROP_LAST_BOOT_TARGET);
  g_signal_emit (self, signals[SIGNAL_BOOTED], 0, target, use_sol);
}

static void
enter_state (ObSimDevice *self,
             guint        state)
{
  if (self->power_state == state)
    return;
  self->power_state = state;
  self->os_power_saving_state = state == OB_SIM_POWER_ON ? OB_SIM_OS_POWER_FULL
                                                         : OB_SIM_OS_POWER_UNKNOWN;
  add_power_event (self, state);
  if (state == OB_SIM_POWER_ON && self->opt_in_state == OB_SIM_OPT_IN_STATE_REQUESTED)
    {
      self->opt_in_state = OB_SIM_OPT_IN_STATE_DISPLAYED;
      notify (self, PROP_OPT_IN_STATE);
    }
  notify (self, PROP_POWER_STATE);
  notify (self, PROP_OS_POWER_SAVING_STATE);
}

guint
ob_sim_device_get_power_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->power_state;
}

void
ob_sim_device_set_power_state (ObSimDevice *self,
                               guint        power_state)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (power_state == OB_SIM_POWER_ON ||
                    power_state == OB_SIM_POWER_SLEEP_LIGHT ||
                    power_state == OB_SIM_POWER_SLEEP_DEEP ||
                    power_state == OB_SIM_POWER_OFF_HARD ||
                    power_state == OB_SIM_POWER_HIBERNATE ||
                    power_state == OB_SIM_POWER_OFF_SOFT);

  if (self->power_state == power_state)
    return;
  self->power_state = power_state;
  self->os_power_saving_state = power_state == OB_SIM_POWER_ON ? OB_SIM_OS_POWER_FULL
                                                               : OB_SIM_OS_POWER_UNKNOWN;
  notify (self, PROP_POWER_STATE);
  notify (self, PROP_OS_POWER_SAVING_STATE);
}

const guint *
ob_sim_device_get_available_power_states (ObSimDevice *self,
                                          guint       *n_states)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  g_return_val_if_fail (n_states != NULL, NULL);

  if (is_on (self))
    {
      *n_states = G_N_ELEMENTS (states_when_on);
      return states_when_on;
    }
  if (is_asleep (self))
    {
      *n_states = G_N_ELEMENTS (states_when_asleep);
      return states_when_asleep;
    }
  *n_states = G_N_ELEMENTS (states_when_off);
  return states_when_off;
}

static void
audit_rco (ObSimDevice          *self,
           guint16               event_id,
           const ObSimInitiator *who)
{
  ob_sim_device_add_audit (self, AUDIT_APP_REMOTE_CONTROL, event_id, who, NULL, 0);
}

guint
ob_sim_device_request_power_state_change (ObSimDevice          *self,
                                          guint                 power_state,
                                          const ObSimInitiator *who)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  switch (power_state)
    {
    case 2: /* power on */
      audit_rco (self, 0, who);
      if (is_on (self))
        return OB_SIM_RV_SUCCESS;
      if (is_asleep (self))
        enter_state (self, OB_SIM_POWER_ON);
      else
        boot (self);
      return OB_SIM_RV_SUCCESS;

    case 3: /* sleep light */
    case 4: /* sleep deep */
    case 7: /* hibernate */
      if (!is_on (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, power_state == 7 ? 8 : 7, who);
      enter_state (self, power_state);
      return OB_SIM_RV_SUCCESS;

    case 5: /* power cycle */
      if (!is_on (self) && !is_asleep (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, 2, who);
      add_power_event (self, OB_SIM_POWER_OFF_SOFT);
      boot (self);
      return OB_SIM_RV_SUCCESS;

    case 6: /* off hard */
    case 8: /* off soft */
      audit_rco (self, 1, who);
      if (is_on (self) || is_asleep (self))
        enter_state (self, OB_SIM_POWER_OFF_SOFT);
      return OB_SIM_RV_SUCCESS;

    case 10: /* master bus reset */
      if (!is_on (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, 3, who);
      boot (self);
      return OB_SIM_RV_SUCCESS;

    case 11: /* NMI */
      if (!is_on (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, 9, who);
      return OB_SIM_RV_SUCCESS;

    case 12: /* off soft graceful */
    case 13: /* off hard graceful */
      if (is_asleep (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, 5, who);
      if (is_on (self))
        enter_state (self, OB_SIM_POWER_OFF_SOFT);
      return OB_SIM_RV_SUCCESS;

    case 14: /* master bus reset graceful */
    case 15:
    case 16: /* power cycle graceful */
    case 17:
      if (!is_on (self))
        return OB_SIM_RV_NOT_READY;
      audit_rco (self, 6, who);
      boot (self);
      return OB_SIM_RV_SUCCESS;

    default:
      return OB_SIM_RV_INVALID_PARAMETER;
    }
}

guint
ob_sim_device_get_os_power_saving_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return is_on (self) ? self->os_power_saving_state : OB_SIM_OS_POWER_UNKNOWN;
}

guint
ob_sim_device_request_os_power_saving_state_change (ObSimDevice *self,
                                                    guint        state)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (state != OB_SIM_OS_POWER_FULL && state != OB_SIM_OS_POWER_SAVING)
    return OB_SIM_RV_CIM_INVALID_PARAMETER;
  if (!is_on (self))
    return OB_SIM_RV_CIM_INVALID_STATE_CHANGE;
  if (self->os_power_saving_state != state)
    {
      self->os_power_saving_state = state;
      notify (self, PROP_OS_POWER_SAVING_STATE);
    }
  return OB_SIM_RV_SUCCESS;
}

/* ---- Boot ------------------------------------------------------------ */

void
ob_sim_device_get_boot_settings (ObSimDevice       *self,
                                 ObSimBootSettings *out)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (out != NULL);
  *out = self->boot;
}

gboolean
ob_sim_device_set_boot_settings (ObSimDevice             *self,
                                 const ObSimBootSettings *settings,
                                 const char              *uefi_boot_parameters,
                                 const ObSimInitiator    *who,
                                 GError                 **error)
{
  gboolean was_cleared;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (settings->firmware_verbosity > 3 || settings->ider_boot_device > 1 ||
      settings->boot_media_index > 255 || settings->uefi_boot_number_of_params > 255)
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                           "A boot setting is out of range");
      return FALSE;
    }
  if (uefi_boot_parameters != NULL && *uefi_boot_parameters != '\0')
    {
      gsize len = 0;
      g_autofree guint8 *raw = NULL;

      for (const char *p = uefi_boot_parameters; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=')
          {
            g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                                 "UefiBootParametersArray is not base64");
            return FALSE;
          }
      raw = g_base64_decode (uefi_boot_parameters, &len);
      if (len == 0 || len > 4096)
        {
          g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                               "UefiBootParametersArray has a bad size");
          return FALSE;
        }
    }

  was_cleared = boot_options_cleared (self);
  self->boot = *settings;
  g_free (self->uefi_boot_parameters);
  self->uefi_boot_parameters = (uefi_boot_parameters != NULL && *uefi_boot_parameters != '\0')
                               ? g_strdup (uefi_boot_parameters) : NULL;

  if (!boot_options_cleared (self) || !was_cleared)
    audit_rco (self, 4, who);
  return TRUE;
}

const char *
ob_sim_device_get_uefi_boot_parameters (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->uefi_boot_parameters;
}

gboolean
ob_sim_device_get_boot_options_cleared (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), TRUE);
  return boot_options_cleared (self);
}

guint
ob_sim_device_change_boot_order (ObSimDevice *self,
                                 const char  *source_instance_id)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (source_instance_id == NULL || *source_instance_id == '\0')
    {
      g_clear_pointer (&self->boot_source, g_free);
      return OB_SIM_RV_SUCCESS;
    }
  if (!g_str_equal (source_instance_id, OB_SIM_BOOT_SOURCE_HARD_DRIVE) &&
      !g_str_equal (source_instance_id, OB_SIM_BOOT_SOURCE_PXE) &&
      !g_str_equal (source_instance_id, OB_SIM_BOOT_SOURCE_CD_DVD) &&
      !g_str_equal (source_instance_id, OB_SIM_BOOT_SOURCE_UEFI_HTTPS))
    return OB_SIM_RV_INVALID_PARAMETER;

  set_string (&self->boot_source, source_instance_id);
  return OB_SIM_RV_SUCCESS;
}

const char *
ob_sim_device_get_boot_source (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->boot_source;
}

guint
ob_sim_device_set_boot_config_role (ObSimDevice *self,
                                    const char  *config_instance_id,
                                    guint        role)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (g_strcmp0 (config_instance_id, OB_SIM_BOOT_CONFIG_INSTANCE) != 0 || role > 1)
    return OB_SIM_RV_INVALID_PARAMETER;
  self->boot_config_next = role == 1;
  return OB_SIM_RV_SUCCESS;
}

gboolean
ob_sim_device_get_ocr_enabled (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->ocr_enabled;
}

guint
ob_sim_device_request_boot_service_state (ObSimDevice *self,
                                          guint        state)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (state != 32768 && state != 32769)
    return OB_SIM_RV_INVALID_PARAMETER;
  self->ocr_enabled = state == 32769;
  return OB_SIM_RV_SUCCESS;
}

guint
ob_sim_device_get_boot_service_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  /* 32768 + OCR; remote platform erase (bit 1) is not offered. */
  return 32768 + (self->ocr_enabled ? 1 : 0);
}

ObSimBootTarget
ob_sim_device_get_last_boot_target (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_BOOT_TARGET_NONE);
  return self->last_boot_target;
}

gboolean
ob_sim_device_get_last_boot_used_sol (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->last_boot_used_sol;
}

guint
ob_sim_device_get_boot_count (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->boot_count;
}

/* ---- Redirection ------------------------------------------------------ */

gboolean
ob_sim_device_get_listener_enabled (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->listener_enabled;
}

void
ob_sim_device_set_listener_enabled (ObSimDevice *self,
                                    gboolean     enabled)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  enabled = !!enabled;
  if (self->listener_enabled == enabled)
    return;
  self->listener_enabled = enabled;
  notify (self, PROP_LISTENER_ENABLED);
}

gboolean
ob_sim_device_get_sol_enabled (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->sol_enabled;
}

gboolean
ob_sim_device_get_ider_enabled (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->ider_enabled;
}

gboolean
ob_sim_device_get_kvm_enabled (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->kvm_enabled;
}

guint
ob_sim_device_get_redirection_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return 32768 + (self->ider_enabled ? 1 : 0) + (self->sol_enabled ? 2 : 0);
}

guint
ob_sim_device_request_redirection_state (ObSimDevice          *self,
                                         guint                 state,
                                         const ObSimInitiator *who)
{
  gboolean ider, sol;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (state < 32768 || state > 32771)
    return OB_SIM_RV_INVALID_PARAMETER;

  ider = (state & 1) != 0;
  sol = (state & 2) != 0;
  if (ider != self->ider_enabled)
    {
      self->ider_enabled = ider;
      ob_sim_device_add_audit (self, AUDIT_APP_REDIRECTION, ider ? 2 : 3, who, NULL, 0);
      notify (self, PROP_IDER_ENABLED);
    }
  if (sol != self->sol_enabled)
    {
      self->sol_enabled = sol;
      ob_sim_device_add_audit (self, AUDIT_APP_REDIRECTION, sol ? 6 : 7, who, NULL, 0);
      notify (self, PROP_SOL_ENABLED);
    }
  return OB_SIM_RV_SUCCESS;
}

guint
ob_sim_device_get_kvm_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 3);

  if (!self->kvm_enabled)
    return 3;
  return self->listener_enabled ? 2 : 6;
}

guint
ob_sim_device_get_kvm_requested_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 3);
  return self->kvm_requested_state;
}

guint
ob_sim_device_request_kvm_state (ObSimDevice          *self,
                                 guint                 state,
                                 const ObSimInitiator *who)
{
  gboolean enable;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  if (!self->kvm_supported)
    return OB_SIM_RV_INTERNAL_ERROR;
  if (state != 2 && state != 3)
    return OB_SIM_RV_INVALID_PARAMETER;

  self->kvm_requested_state = state;
  enable = state == 2;
  if (enable != self->kvm_enabled)
    {
      self->kvm_enabled = enable;
      ob_sim_device_add_audit (self, AUDIT_APP_REDIRECTION, enable ? 10 : 11, who, NULL, 0);
      notify (self, PROP_KVM_ENABLED);
    }
  return OB_SIM_RV_SUCCESS;
}

void
ob_sim_device_get_kvm_settings (ObSimDevice      *self,
                                ObSimKvmSettings *out)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (out != NULL);
  *out = self->kvm_settings;
}

gboolean
ob_sim_device_set_kvm_settings (ObSimDevice            *self,
                                const ObSimKvmSettings *settings,
                                const char             *rfb_password,
                                GError                **error)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (settings != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (settings->default_screen > 3 || settings->session_timeout > 65535 ||
      settings->opt_in_policy_timeout > 65535)
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                           "A KVM setting is out of range");
      return FALSE;
    }
  if (rfb_password != NULL && *rfb_password != '\0')
    {
      /* VNC uses exactly eight characters; AMT refuses anything else. */
      gboolean printable = TRUE;

      for (const char *p = rfb_password; *p; p++)
        if (!g_ascii_isgraph (*p))
          printable = FALSE;
      if (strlen (rfb_password) != 8 || !printable)
        {
          g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                               "The RFB password must be 8 printable characters");
          return FALSE;
        }
    }

  self->kvm_settings = *settings;
  if (rfb_password != NULL)
    {
      if (self->rfb_password != NULL)
        ob_secure_free_string (g_steal_pointer (&self->rfb_password));
      if (*rfb_password != '\0')
        self->rfb_password = g_strdup (rfb_password);
    }
  return TRUE;
}

const char *
ob_sim_device_get_rfb_password (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->rfb_password;
}

/* ---- Consent ------------------------------------------------------------ */

/* Opt-in policy as the audit record's extended data has it: 0 none,
 * 1 KVM, 2 all. */
static guint8
policy_byte (guint policy)
{
  return policy == OB_SIM_OPT_IN_ALL ? 2 : (guint8) policy;
}

guint
ob_sim_device_get_opt_in_required (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_OPT_IN_ALL);
  return self->opt_in_required;
}

gboolean
ob_sim_device_set_opt_in_required (ObSimDevice          *self,
                                   guint                 value,
                                   const ObSimInitiator *who,
                                   GError              **error)
{
  guint8 ex[2];

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (value != OB_SIM_OPT_IN_NONE && value != OB_SIM_OPT_IN_KVM && value != OB_SIM_OPT_IN_ALL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "%u is not a user consent policy", value);
      return FALSE;
    }
  if (value == self->opt_in_required)
    return TRUE;
  if (!ob_sim_device_get_can_modify_opt_in_policy (self))
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_ALLOWED,
                           "User consent is always required in client control mode");
      return FALSE;
    }

  ex[0] = policy_byte (self->opt_in_required);
  ex[1] = policy_byte (value);
  self->opt_in_required = value;
  ob_sim_device_add_audit (self, AUDIT_APP_USER_OPT_IN, 0, who, ex, sizeof ex);
  notify (self, PROP_OPT_IN_REQUIRED);
  return TRUE;
}

gboolean
ob_sim_device_get_can_modify_opt_in_policy (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->control_mode == OB_SIM_CONTROL_MODE_ACM;
}

ObSimOptInState
ob_sim_device_get_opt_in_state (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_OPT_IN_STATE_NOT_STARTED);
  return self->opt_in_state;
}

const char *
ob_sim_device_get_consent_code (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->consent_code;
}

guint
ob_sim_device_get_opt_in_code_timeout (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->opt_in_code_timeout;
}

void
ob_sim_device_set_opt_in_code_timeout (ObSimDevice *self,
                                       guint        seconds)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (seconds > 0);
  self->opt_in_code_timeout = seconds;
}

guint
ob_sim_device_get_opt_in_display_timeout (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->opt_in_display_timeout;
}

void
ob_sim_device_set_opt_in_display_timeout (ObSimDevice *self,
                                          guint        seconds)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (seconds > 0);
  self->opt_in_display_timeout = seconds;
}

guint
ob_sim_device_start_opt_in (ObSimDevice          *self,
                            const ObSimInitiator *who)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  switch (self->opt_in_state)
    {
    case OB_SIM_OPT_IN_STATE_NOT_STARTED:
      break;
    case OB_SIM_OPT_IN_STATE_REQUESTED:
    case OB_SIM_OPT_IN_STATE_DISPLAYED:
      return OB_SIM_RV_SUCCESS;
    case OB_SIM_OPT_IN_STATE_RECEIVED:
    case OB_SIM_OPT_IN_STATE_IN_SESSION:
    default:
      return OB_SIM_RV_NOT_READY;
    }

  self->consent_code = g_strdup_printf ("%06u", random_u32 () % 1000000);
  self->consent_attempts = 0;
  self->opt_in_state = is_on (self) ? OB_SIM_OPT_IN_STATE_DISPLAYED
                                    : OB_SIM_OPT_IN_STATE_REQUESTED;
  self->consent_deadline = ob_sim_device_get_time (self) + self->opt_in_code_timeout;
  notify (self, PROP_CONSENT_CODE);
  notify (self, PROP_OPT_IN_STATE);
  schedule_timer (self);
  return OB_SIM_RV_SUCCESS;
}

guint
ob_sim_device_send_opt_in_code (ObSimDevice          *self,
                                const char           *code,
                                const ObSimInitiator *who)
{
  static const guint8 ok = 0;
  static const guint8 failed = 1;
  gboolean right;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  process_due (self);
  if (self->opt_in_state != OB_SIM_OPT_IN_STATE_REQUESTED &&
      self->opt_in_state != OB_SIM_OPT_IN_STATE_DISPLAYED)
    return OB_SIM_RV_NOT_READY;

  /* Compare as numbers: a client may drop leading zeros (the MPS sends the
   * code as a JSON number). */
  right = FALSE;
  if (code != NULL)
    {
      guint64 sent = 0;

      if (g_ascii_string_to_unsigned (code, 10, 0, 999999, &sent, NULL))
        right = sent == g_ascii_strtoull (self->consent_code, NULL, 10);
    }

  if (!right)
    {
      self->consent_attempts++;
      if (self->consent_attempts >= OB_SIM_DEVICE_MAX_CONSENT_ATTEMPTS)
        {
          const guint8 data[8] = { 0xAA, OB_SIM_DEVICE_MAX_CONSENT_ATTEMPTS, 0, 0, 0, 0, 0, 0 };

          /* "Send Consent Code Event": 0 success, 1 failed three times. */
          ob_sim_device_add_audit (self, AUDIT_APP_USER_OPT_IN, 1, who, &failed, 1);
          ob_sim_device_add_event (self, SENSOR_SECURITY_VIOLATION, 5, SEVERITY_CRITICAL,
                                   ENTITY_ME, data);
          consent_reset (self);
          schedule_timer (self);
        }
      return OB_SIM_RV_INVALID_CONSENT_CODE;
    }

  ob_sim_device_add_audit (self, AUDIT_APP_USER_OPT_IN, 1, who, &ok, 1);
  ob_secure_free_string (g_steal_pointer (&self->consent_code));
  self->consent_attempts = 0;
  self->opt_in_state = OB_SIM_OPT_IN_STATE_RECEIVED;
  self->consent_deadline = ob_sim_device_get_time (self) + self->opt_in_display_timeout;
  notify (self, PROP_CONSENT_CODE);
  notify (self, PROP_OPT_IN_STATE);
  schedule_timer (self);
  return OB_SIM_RV_SUCCESS;
}

guint
ob_sim_device_cancel_opt_in (ObSimDevice          *self,
                             const ObSimInitiator *who)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_RV_INTERNAL_ERROR);

  consent_reset (self);
  schedule_timer (self);
  return OB_SIM_RV_SUCCESS;
}

guint
ob_sim_device_get_consent_attempts (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->consent_attempts;
}

gboolean
ob_sim_device_consent_allows (ObSimDevice *self,
                              gboolean     kvm)
{
  gboolean granted;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);

  granted = self->opt_in_state == OB_SIM_OPT_IN_STATE_RECEIVED ||
            self->opt_in_state == OB_SIM_OPT_IN_STATE_IN_SESSION;
  if (self->opt_in_required == OB_SIM_OPT_IN_NONE)
    return TRUE;
  if (self->opt_in_required == OB_SIM_OPT_IN_KVM && !kvm)
    return TRUE;
  return granted;
}

void
ob_sim_device_session_started (ObSimDevice *self)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  if (self->opt_in_state != OB_SIM_OPT_IN_STATE_RECEIVED)
    return;
  self->opt_in_state = OB_SIM_OPT_IN_STATE_IN_SESSION;
  self->consent_deadline = 0;
  notify (self, PROP_OPT_IN_STATE);
  schedule_timer (self);
}

void
ob_sim_device_session_ended (ObSimDevice *self)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  if (self->opt_in_state == OB_SIM_OPT_IN_STATE_IN_SESSION)
    consent_reset (self);
}

/* ---- Alarms ------------------------------------------------------------- */

static ObSimAlarm *
find_alarm (ObSimDevice *self,
            const char  *instance_id,
            guint       *index)
{
  for (guint i = 0; i < self->alarms->len; i++)
    {
      ObSimAlarm *alarm = g_ptr_array_index (self->alarms, i);

      if (g_str_equal (alarm->instance_id, instance_id))
        {
          if (index != NULL)
            *index = i;
          return alarm;
        }
    }
  return NULL;
}

gboolean
ob_sim_device_add_alarm (ObSimDevice      *self,
                         const ObSimAlarm *alarm,
                         GError          **error)
{
  AlarmEntry *entry;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (alarm != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (alarm->instance_id == NULL || *alarm->instance_id == '\0' ||
      alarm->element_name == NULL || *alarm->element_name == '\0' ||
      strlen (alarm->instance_id) > 32 || strlen (alarm->element_name) > 32 ||
      alarm->start_time <= 0 || alarm->start_time >= (gint64) G_MAXUINT32)
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                           "An alarm needs a name and InstanceID of 1 to 32 characters and a start time");
      return FALSE;
    }
  if (find_alarm (self, alarm->instance_id, NULL) != NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_ALREADY_EXISTS,
                   "An alarm called “%s” already exists", alarm->instance_id);
      return FALSE;
    }
  if (self->alarms->len >= OB_SIM_DEVICE_MAX_ALARMS)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_QUOTA_EXCEEDED,
                   "The device keeps at most %d alarms", OB_SIM_DEVICE_MAX_ALARMS);
      return FALSE;
    }

  entry = g_new0 (AlarmEntry, 1);
  entry->alarm.instance_id = g_strdup (alarm->instance_id);
  entry->alarm.element_name = g_strdup (alarm->element_name);
  entry->alarm.start_time = alarm->start_time;
  entry->alarm.interval_minutes = alarm->interval_minutes;
  entry->alarm.delete_on_completion = alarm->delete_on_completion;
  g_ptr_array_add (self->alarms, entry);
  schedule_timer (self);
  return TRUE;
}

gboolean
ob_sim_device_delete_alarm (ObSimDevice  *self,
                            const char   *instance_id,
                            GError      **error)
{
  guint index;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (instance_id == NULL || find_alarm (self, instance_id, &index) == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND,
                   "No alarm called “%s”", instance_id != NULL ? instance_id : "");
      return FALSE;
    }
  g_ptr_array_remove_index (self->alarms, index);
  schedule_timer (self);
  return TRUE;
}

GPtrArray *
ob_sim_device_list_alarms (ObSimDevice *self)
{
  GPtrArray *list;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);

  list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_alarm_free);
  for (guint i = 0; i < self->alarms->len; i++)
    g_ptr_array_add (list, ob_sim_alarm_copy (g_ptr_array_index (self->alarms, i)));
  return list;
}

/* ---- Identity and endpoint -------------------------------------------- */

const char *
ob_sim_device_get_guid (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->guid;
}

const char *
ob_sim_device_get_amt_version (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->amt_version;
}

guint
ob_sim_device_get_amt_major (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return (guint) g_ascii_strtoull (self->amt_version, NULL, 10);
}

const char *
ob_sim_device_get_build_number (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->build_number;
}

guint
ob_sim_device_get_sku (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->sku;
}

ObSimControlMode
ob_sim_device_get_control_mode (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
  return self->control_mode;
}

void
ob_sim_device_set_control_mode (ObSimDevice      *self,
                                ObSimControlMode  mode)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (mode <= OB_SIM_CONTROL_MODE_ACM);

  if (self->control_mode == mode)
    return;
  self->control_mode = mode;
  /* Only admin control mode may relax the consent policy. */
  if (mode != OB_SIM_CONTROL_MODE_ACM && self->opt_in_required != OB_SIM_OPT_IN_ALL)
    {
      self->opt_in_required = OB_SIM_OPT_IN_ALL;
      notify (self, PROP_OPT_IN_REQUIRED);
    }
  notify (self, PROP_CONTROL_MODE);
}

const char *
ob_sim_device_get_hostname (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->hostname;
}

const char *
ob_sim_device_get_domain_name (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->domain_name;
}

void
ob_sim_device_set_hostname (ObSimDevice *self,
                            const char  *hostname)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (hostname != NULL && *hostname != '\0');

  g_free (self->hostname);
  self->hostname = g_strdup (hostname);
}

void
ob_sim_device_set_domain_name (ObSimDevice *self,
                               const char  *domain_name)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (domain_name != NULL);

  g_free (self->domain_name);
  self->domain_name = g_strdup (domain_name);
}

const char *
ob_sim_device_get_digest_realm (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->digest_realm;
}

gboolean
ob_sim_device_get_kvm_supported (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);
  return self->kvm_supported;
}

void
ob_sim_device_set_class_missing (ObSimDevice *self,
                                 const char  *class_name,
                                 gboolean     missing)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));
  g_return_if_fail (class_name != NULL);

  if (missing)
    {
      if (self->missing_classes == NULL)
        self->missing_classes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_add (self->missing_classes, g_strdup (class_name));
    }
  else if (self->missing_classes != NULL)
    {
      g_hash_table_remove (self->missing_classes, class_name);
      if (g_hash_table_size (self->missing_classes) == 0)
        g_clear_pointer (&self->missing_classes, g_hash_table_unref);
    }
}

gboolean
ob_sim_device_is_class_missing (ObSimDevice *self,
                                const char  *class_name)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), FALSE);

  return self->missing_classes != NULL && class_name != NULL &&
         g_hash_table_contains (self->missing_classes, class_name);
}

const char *
ob_sim_device_get_address (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  return self->address;
}

guint
ob_sim_device_get_http_port (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->http_port;
}

guint
ob_sim_device_get_tls_port (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->tls_port;
}

void
ob_sim_device_set_endpoint (ObSimDevice *self,
                            const char  *address,
                            guint        http_port,
                            guint        tls_port)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  g_object_freeze_notify (G_OBJECT (self));
  if (set_string (&self->address, address))
    notify (self, PROP_ADDRESS);
  if (self->http_port != http_port)
    {
      self->http_port = http_port;
      notify (self, PROP_HTTP_PORT);
    }
  if (self->tls_port != tls_port)
    {
      self->tls_port = tls_port;
      notify (self, PROP_TLS_PORT);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

guint
ob_sim_device_get_latency_ms (ObSimDevice *self)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), 0);
  return self->latency_ms;
}

void
ob_sim_device_set_latency_ms (ObSimDevice *self,
                              guint        latency_ms)
{
  g_return_if_fail (OB_IS_SIM_DEVICE (self));

  if (self->latency_ms == latency_ms)
    return;
  self->latency_ms = latency_ms;
  notify (self, PROP_LATENCY_MS);
}

static void build_inventory (ObSimDevice *self);

GPtrArray *
ob_sim_device_get_inventory (ObSimDevice *self,
                             const char  *class_name)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (self), NULL);
  g_return_val_if_fail (class_name != NULL, NULL);

  /* Built on first use (it depends only on construct-only properties):
   * thousands of simulated devices that are never asked cost ~25 KiB
   * less each. */
  if (self->inventory == NULL)
    {
      self->inventory = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                               (GDestroyNotify) g_ptr_array_unref);
      build_inventory (self);
    }
  return g_hash_table_lookup (self->inventory, class_name);
}

/* ---- Inventory ---------------------------------------------------------- */

static GPtrArray *
inventory_class (ObSimDevice *self,
                 const char  *class_name)
{
  GPtrArray *list = g_hash_table_lookup (self->inventory, class_name);

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_instance_unref);
      g_hash_table_insert (self->inventory, g_strdup (class_name), list);
    }
  return list;
}

static ObSimInstance *
inventory_add (ObSimDevice *self,
               const char  *list_class,
               const char  *instance_class)
{
  ObSimInstance *instance = ob_sim_instance_new (instance_class);

  g_ptr_array_add (inventory_class (self, list_class), instance);
  return instance;
}

static char *
serial_from (GRand      *rand,
             const char *prefix,
             guint       digits)
{
  GString *s = g_string_new (prefix);

  for (guint i = 0; i < digits; i++)
    g_string_append_c (s, "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"[g_rand_int_range (rand, 0, 34)]);
  return g_string_free (s, FALSE);
}

static void
add_software_identity (ObSimDevice *self,
                       const char  *id,
                       const char  *version)
{
  ObSimInstance *si = inventory_add (self, "CIM_SoftwareIdentity", "CIM_SoftwareIdentity");

  ob_sim_instance_add_string (si, "InstanceID", id);
  ob_sim_instance_add_bool (si, "IsEntity", TRUE);
  ob_sim_instance_add_string (si, "VersionString", version);
}

static void
add_boot_source (ObSimDevice *self,
                 const char  *instance_id,
                 const char  *structured)
{
  ObSimInstance *bs = inventory_add (self, "CIM_BootSourceSetting", "CIM_BootSourceSetting");

  ob_sim_instance_add_string (bs, "ElementName", "Intel(r) AMT: Boot Source");
  ob_sim_instance_add_uint (bs, "FailThroughSupported", 2);
  ob_sim_instance_add_string (bs, "InstanceID", instance_id);
  ob_sim_instance_add_string (bs, "StructuredBootString", structured);
}

/* The hardware is fixed per device: models from a small table, serial
 * numbers from a generator seeded with the GUID, so a device shows the
 * same inventory every time it is created with the same GUID. */
static void
build_inventory (ObSimDevice *self)
{
  static const struct
  {
    const char *vendor, *chassis_model, *board_model, *board_version, *bios;
    const char *bios_date, *cpu, *cpu_chip;
    guint cpu_family, cpu_mhz, cpu_max_mhz;
  } models[] = {
    { "Intel(R) Client Systems", "NUC11TNHv7", "NUC11TNBv7", "M11904-403",
      "TNTGLV57.0070.2023.0417.1532", "2023-04-17T00:00:00Z",
      "Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "Intel(R) Corporation", 198, 3000, 4800 },
    { "Dell Inc.", "OptiPlex 7090", "0MVDNX", "A00", "1.1.38", "2021-07-23T00:00:00Z",
      "Intel(R) Core(TM) i5-10500 CPU @ 3.10GHz", "Intel(R) Corporation", 205, 3100, 4500 },
    { "LENOVO", "ThinkCentre M90q Gen 4", "SDK0T76479 WIN", "NOK", "M4FKT2AA",
      "2023-11-20T00:00:00Z", "13th Gen Intel(R) Core(TM) i7-13700T", "Intel(R) Corporation",
      198, 1400, 4900 },
  };
  guint8 bytes[16];
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (self->guid));
  guint m = g_rand_int_range (rand, 0, G_N_ELEMENTS (models));
  g_autofree char *platform_guid = NULL;
  g_autofree char *chassis_serial = serial_from (rand, "", 10);
  g_autofree char *board_serial = serial_from (rand, "BTPT", 8);
  g_autofree char *media_size = NULL;
  g_autofree char *amt_build = g_strdup (self->build_number);
  g_autofree char *sku = g_strdup_printf ("%u", self->sku);
  ObSimInstance *i;
  const char *chassis_sel[] = { "CreationClassName", "CIM_Chassis", "Tag", "CIM_Chassis", NULL };
  const char *system_sel[] = { "CreationClassName", "CIM_ComputerSystem", "Name", "ManagedSystem", NULL };

  ob_uuid_parse (self->guid, bytes);
  ob_uuid_swap_smbios_order (bytes);
  platform_guid = ob_hex_encode (bytes, sizeof bytes, TRUE);

  /* CIM_ComputerSystemPackage: Get it, or enumerate CIM_SystemPackaging. */
  for (guint k = 0; k < 2; k++)
    {
      i = inventory_add (self, k == 0 ? "CIM_ComputerSystemPackage" : "CIM_SystemPackaging",
                         "CIM_ComputerSystemPackage");
      ob_sim_instance_add_reference (i, "Antecedent", OB_WSMAN_URI_CIM "CIM_Chassis", chassis_sel);
      ob_sim_instance_add_reference (i, "Dependent", OB_WSMAN_URI_CIM "CIM_ComputerSystem", system_sel);
      ob_sim_instance_add_string (i, "PlatformGUID", platform_guid);
    }

  /* CIM_Card and CIM_Chassis are also what CIM_PhysicalPackage enumerates. */
  for (guint k = 0; k < 2; k++)
    {
      i = inventory_add (self, k == 0 ? "CIM_Card" : "CIM_PhysicalPackage", "CIM_Card");
      ob_sim_instance_add_bool (i, "CanBeFRUed", TRUE);
      ob_sim_instance_add_string (i, "CreationClassName", "CIM_Card");
      ob_sim_instance_add_string (i, "ElementName", "Managed System Base Board");
      ob_sim_instance_add_string (i, "Manufacturer", models[m].vendor);
      ob_sim_instance_add_string (i, "Model", models[m].board_model);
      ob_sim_instance_add_uint (i, "OperationalStatus", 0);
      ob_sim_instance_add_uint (i, "PackageType", 9);
      ob_sim_instance_add_string (i, "SerialNumber", board_serial);
      ob_sim_instance_add_string (i, "Tag", "CIM_Card");
      ob_sim_instance_add_string (i, "Version", models[m].board_version);
    }
  for (guint k = 0; k < 2; k++)
    {
      i = inventory_add (self, k == 0 ? "CIM_Chassis" : "CIM_PhysicalPackage", "CIM_Chassis");
      ob_sim_instance_add_uint (i, "ChassisPackageType", 3);
      ob_sim_instance_add_string (i, "CreationClassName", "CIM_Chassis");
      ob_sim_instance_add_string (i, "ElementName", "Managed System Chassis");
      ob_sim_instance_add_string (i, "Manufacturer", models[m].vendor);
      ob_sim_instance_add_string (i, "Model", models[m].chassis_model);
      ob_sim_instance_add_uint (i, "OperationalStatus", 0);
      ob_sim_instance_add_uint (i, "PackageType", 3);
      ob_sim_instance_add_string (i, "SerialNumber", chassis_serial);
      ob_sim_instance_add_string (i, "Tag", "CIM_Chassis");
      ob_sim_instance_add_string (i, "Version", "");
    }

  i = inventory_add (self, "CIM_BIOSElement", "CIM_BIOSElement");
  ob_sim_instance_add_string (i, "ElementName", "Primary BIOS");
  ob_sim_instance_add_string (i, "Manufacturer", models[m].vendor);
  ob_sim_instance_add_string (i, "Name", "Primary BIOS");
  ob_sim_instance_add_uint (i, "OperationalStatus", 0);
  ob_sim_instance_add_bool (i, "PrimaryBIOS", TRUE);
  ob_sim_instance_add_datetime (i, "ReleaseDate", models[m].bios_date);
  ob_sim_instance_add_string (i, "SoftwareElementID", models[m].bios);
  ob_sim_instance_add_uint (i, "SoftwareElementState", 2);
  ob_sim_instance_add_uint (i, "TargetOperatingSystem", 66);
  ob_sim_instance_add_string (i, "Version", models[m].bios);

  i = inventory_add (self, "CIM_Processor", "CIM_Processor");
  ob_sim_instance_add_uint (i, "CPUStatus", 1);
  ob_sim_instance_add_string (i, "CreationClassName", "CIM_Processor");
  ob_sim_instance_add_uint (i, "CurrentClockSpeed", models[m].cpu_mhz);
  ob_sim_instance_add_string (i, "DeviceID", "CPU 0");
  ob_sim_instance_add_string (i, "ElementName", "Managed System CPU");
  ob_sim_instance_add_uint (i, "EnabledState", 2);
  ob_sim_instance_add_uint (i, "ExternalBusClockSpeed", 100);
  ob_sim_instance_add_uint (i, "Family", models[m].cpu_family);
  ob_sim_instance_add_uint (i, "HealthState", 0);
  ob_sim_instance_add_uint (i, "MaxClockSpeed", models[m].cpu_max_mhz);
  ob_sim_instance_add_uint (i, "OperationalStatus", 0);
  ob_sim_instance_add_string (i, "OtherFamilyDescription", "");
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_string (i, "Role", "Central");
  ob_sim_instance_add_uint (i, "Stepping", 1);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "ManagedSystem");
  ob_sim_instance_add_uint (i, "UpgradeMethod", 52);

  i = inventory_add (self, "CIM_Chip", "CIM_Chip");
  ob_sim_instance_add_bool (i, "CanBeFRUed", TRUE);
  ob_sim_instance_add_string (i, "CreationClassName", "CIM_Chip");
  ob_sim_instance_add_string (i, "ElementName", "Managed System Processor Chip");
  ob_sim_instance_add_string (i, "Manufacturer", models[m].cpu_chip);
  ob_sim_instance_add_uint (i, "OperationalStatus", 0);
  ob_sim_instance_add_string (i, "Tag", "CPU 0");
  ob_sim_instance_add_string (i, "Version", models[m].cpu);

  /* Two DIMMs, as the issue asks. */
  for (guint k = 0; k < 2; k++)
    {
      g_autofree char *bank = g_strdup_printf ("BANK %u", k * 2);
      g_autofree char *serial = serial_from (rand, "", 8);
      g_autofree char *tag = k == 0 ? g_strdup ("9876543210") : g_strdup ("9876543210 (#1)");

      i = inventory_add (self, "CIM_PhysicalMemory", "CIM_PhysicalMemory");
      ob_sim_instance_add_string (i, "BankLabel", bank);
      ob_sim_instance_add_uint (i, "Capacity", G_GUINT64_CONSTANT (17179869184));
      ob_sim_instance_add_uint (i, "ConfiguredMemoryClockSpeed", 3200);
      ob_sim_instance_add_string (i, "CreationClassName", "CIM_PhysicalMemory");
      ob_sim_instance_add_string (i, "ElementName", "Managed System Memory Chip");
      ob_sim_instance_add_uint (i, "FormFactor", 13);
      ob_sim_instance_add_bool (i, "IsSpeedInMhz", TRUE);
      ob_sim_instance_add_string (i, "Manufacturer", "859B");
      ob_sim_instance_add_uint (i, "MaxMemorySpeed", 3200);
      ob_sim_instance_add_uint (i, "MemoryType", 26);
      ob_sim_instance_add_string (i, "PartNumber", "CT16G4SFRA32A.M16FRS ");
      ob_sim_instance_add_string (i, "SerialNumber", serial);
      ob_sim_instance_add_uint (i, "Speed", 0);
      ob_sim_instance_add_string (i, "Tag", tag);
    }

  media_size = g_strdup_printf ("%u", 500107862u + (guint) g_rand_int_range (rand, 0, 1000));
  i = inventory_add (self, "CIM_MediaAccessDevice", "CIM_MediaAccessDevice");
  ob_sim_instance_add_uint (i, "Capabilities", 4);
  ob_sim_instance_add_uint (i, "Capabilities", 10);
  ob_sim_instance_add_string (i, "CreationClassName", "CIM_MediaAccessDevice");
  ob_sim_instance_add_string (i, "DeviceID", "MEDIA DEV 0");
  ob_sim_instance_add_string (i, "ElementName", "Managed System Media Access Device");
  ob_sim_instance_add_uint (i, "EnabledDefault", 2);
  ob_sim_instance_add_uint (i, "EnabledState", 0);
  ob_sim_instance_add_string (i, "MaxMediaSize", media_size);
  ob_sim_instance_add_uint (i, "OperationalStatus", 0);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  ob_sim_instance_add_uint (i, "Security", 2);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "ManagedSystem");

  add_software_identity (self, "Flash", self->amt_version);
  add_software_identity (self, "Netstack", self->amt_version);
  add_software_identity (self, "AMTApps", self->amt_version);
  add_software_identity (self, "AMT", self->amt_version);
  add_software_identity (self, "Sku", sku);
  add_software_identity (self, "VendorID", "8086");
  add_software_identity (self, "Build Number", amt_build);
  add_software_identity (self, "Recovery Version", self->amt_version);
  add_software_identity (self, "Recovery Build Num", amt_build);
  add_software_identity (self, "Legacy Mode", "False");
  add_software_identity (self, "AMT FW Core Version", self->amt_version);

  add_boot_source (self, OB_SIM_BOOT_SOURCE_HARD_DRIVE, "CIM:Hard-Disk:1");
  add_boot_source (self, OB_SIM_BOOT_SOURCE_PXE, "CIM:Network:1");
  add_boot_source (self, OB_SIM_BOOT_SOURCE_CD_DVD, "CIM:CD/DVD:1");
}

/* ---- GObject ------------------------------------------------------------ */

static void
ob_sim_device_constructed (GObject *object)
{
  ObSimDevice *self = OB_SIM_DEVICE (object);
  guint8 realm[16];
  g_autofree char *realm_hex = NULL;
  gint64 now;

  G_OBJECT_CLASS (ob_sim_device_parent_class)->constructed (object);

  if (self->guid == NULL || !ob_uuid_is_valid (self->guid))
    {
      guint8 bytes[16];

      ob_random_bytes (bytes, sizeof bytes);
      bytes[6] = (bytes[6] & 0x0F) | 0x40;
      bytes[8] = (bytes[8] & 0x3F) | 0x80;
      g_free (self->guid);
      self->guid = ob_uuid_to_string (bytes);
    }
  else
    {
      char *lower = g_ascii_strdown (self->guid, -1);

      g_free (self->guid);
      self->guid = lower;
    }

  if (self->hostname == NULL)
    self->hostname = g_strdup_printf ("sim-%.8s", self->guid);

  ob_random_bytes (realm, sizeof realm);
  realm_hex = ob_hex_encode (realm, sizeof realm, TRUE);
  self->digest_realm = g_strconcat ("Digest:", realm_hex, NULL);

  self->opt_in_required = self->control_mode == OB_SIM_CONTROL_MODE_ACM ? OB_SIM_OPT_IN_KVM
                                                                        : OB_SIM_OPT_IN_ALL;
  if (!self->kvm_supported)
    {
      self->kvm_enabled = FALSE;
      self->kvm_requested_state = 3;
    }

  /* History: provisioned a month ago, booted an hour ago. */
  now = ob_sim_device_get_time (self);
  add_audit_at (self, now - 30 * 24 * 3600, AUDIT_APP_AUDIT_LOG, 3, NULL, NULL, 0);
  if (self->control_mode != OB_SIM_CONTROL_MODE_PRE_PROVISIONING)
    {
      add_audit_at (self, now - 30 * 24 * 3600, AUDIT_APP_SECURITY_ADMIN, 0, NULL, NULL, 0);
      add_audit_at (self, now - 30 * 24 * 3600 + 40, AUDIT_APP_SECURITY_ADMIN, 1, NULL, NULL, 0);
    }
  add_progress_event (self, now - 3600, PROGRESS_MEMORY_INIT);
  add_progress_event (self, now - 3600, PROGRESS_VIDEO_INIT);
  add_progress_event (self, now - 3600, PROGRESS_OS_BOOT);
  self->last_boot_target = OB_SIM_BOOT_TARGET_OS;
}

static void
ob_sim_device_dispose (GObject *object)
{
  ObSimDevice *self = OB_SIM_DEVICE (object);

  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
  g_clear_pointer (&self->inventory, g_hash_table_unref);

  G_OBJECT_CLASS (ob_sim_device_parent_class)->dispose (object);
}

static void
ob_sim_device_finalize (GObject *object)
{
  ObSimDevice *self = OB_SIM_DEVICE (object);

  g_free (self->guid);
  g_clear_pointer (&self->missing_classes, g_hash_table_unref);
  g_free (self->amt_version);
  g_free (self->build_number);
  g_free (self->hostname);
  g_free (self->domain_name);
  g_free (self->digest_realm);
  g_free (self->address);
  g_free (self->uefi_boot_parameters);
  g_free (self->boot_source);
  if (self->rfb_password != NULL)
    ob_secure_free_string (self->rfb_password);
  if (self->consent_code != NULL)
    ob_secure_free_string (self->consent_code);
  g_ptr_array_unref (self->event_log);
  g_ptr_array_unref (self->audit_log);
  g_ptr_array_unref (self->alarms);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ob_sim_device_parent_class)->finalize (object);
}

static void
ob_sim_device_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObSimDevice *self = OB_SIM_DEVICE (object);

  switch (prop_id)
    {
    case PROP_GUID:
      g_value_set_string (value, self->guid);
      break;
    case PROP_AMT_VERSION:
      g_value_set_string (value, self->amt_version);
      break;
    case PROP_BUILD_NUMBER:
      g_value_set_string (value, self->build_number);
      break;
    case PROP_SKU:
      g_value_set_uint (value, self->sku);
      break;
    case PROP_CONTROL_MODE:
      g_value_set_enum (value, self->control_mode);
      break;
    case PROP_HOSTNAME:
      g_value_set_string (value, self->hostname);
      break;
    case PROP_KVM_SUPPORTED:
      g_value_set_boolean (value, self->kvm_supported);
      break;
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_HTTP_PORT:
      g_value_set_uint (value, self->http_port);
      break;
    case PROP_TLS_PORT:
      g_value_set_uint (value, self->tls_port);
      break;
    case PROP_LATENCY_MS:
      g_value_set_uint (value, self->latency_ms);
      break;
    case PROP_POWER_STATE:
      g_value_set_uint (value, self->power_state);
      break;
    case PROP_OS_POWER_SAVING_STATE:
      g_value_set_uint (value, ob_sim_device_get_os_power_saving_state (self));
      break;
    case PROP_LAST_BOOT_TARGET:
      g_value_set_enum (value, self->last_boot_target);
      break;
    case PROP_LISTENER_ENABLED:
      g_value_set_boolean (value, self->listener_enabled);
      break;
    case PROP_SOL_ENABLED:
      g_value_set_boolean (value, self->sol_enabled);
      break;
    case PROP_IDER_ENABLED:
      g_value_set_boolean (value, self->ider_enabled);
      break;
    case PROP_KVM_ENABLED:
      g_value_set_boolean (value, self->kvm_enabled);
      break;
    case PROP_OPT_IN_REQUIRED:
      g_value_set_uint (value, self->opt_in_required);
      break;
    case PROP_OPT_IN_STATE:
      g_value_set_uint (value, self->opt_in_state);
      break;
    case PROP_CONSENT_CODE:
      g_value_set_string (value, self->consent_code);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sim_device_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  ObSimDevice *self = OB_SIM_DEVICE (object);

  switch (prop_id)
    {
    case PROP_GUID:
      g_free (self->guid);
      self->guid = g_value_dup_string (value);
      break;
    case PROP_AMT_VERSION:
      g_free (self->amt_version);
      self->amt_version = g_value_dup_string (value);
      if (self->amt_version == NULL)
        self->amt_version = g_strdup ("16.1.25");
      break;
    case PROP_BUILD_NUMBER:
      g_free (self->build_number);
      self->build_number = g_value_dup_string (value);
      if (self->build_number == NULL)
        self->build_number = g_strdup ("2049");
      break;
    case PROP_SKU:
      self->sku = g_value_get_uint (value);
      break;
    case PROP_CONTROL_MODE:
      if (self->digest_realm == NULL)
        self->control_mode = g_value_get_enum (value);  /* construction */
      else
        ob_sim_device_set_control_mode (self, g_value_get_enum (value));
      break;
    case PROP_HOSTNAME:
      g_free (self->hostname);
      self->hostname = g_value_dup_string (value);
      break;
    case PROP_KVM_SUPPORTED:
      self->kvm_supported = g_value_get_boolean (value);
      break;
    case PROP_LATENCY_MS:
      ob_sim_device_set_latency_ms (self, g_value_get_uint (value));
      break;
    case PROP_POWER_STATE:
      ob_sim_device_set_power_state (self, g_value_get_uint (value));
      break;
    case PROP_LISTENER_ENABLED:
      ob_sim_device_set_listener_enabled (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_sim_device_class_init (ObSimDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = ob_sim_device_constructed;
  object_class->dispose = ob_sim_device_dispose;
  object_class->finalize = ob_sim_device_finalize;
  object_class->get_property = ob_sim_device_get_property;
  object_class->set_property = ob_sim_device_set_property;

  properties[PROP_GUID] = g_param_spec_string ("guid", NULL, NULL, NULL, co);
  properties[PROP_AMT_VERSION] = g_param_spec_string ("amt-version", NULL, NULL, "16.1.25", co);
  properties[PROP_BUILD_NUMBER] = g_param_spec_string ("build-number", NULL, NULL, "2049", co);
  properties[PROP_SKU] = g_param_spec_uint ("sku", NULL, NULL, 0, G_MAXUINT, 16392, co);
  properties[PROP_CONTROL_MODE] =
    g_param_spec_enum ("control-mode", NULL, NULL, OB_TYPE_SIM_CONTROL_MODE,
                       OB_SIM_CONTROL_MODE_ACM, rw | G_PARAM_CONSTRUCT);
  properties[PROP_HOSTNAME] = g_param_spec_string ("hostname", NULL, NULL, NULL, co);
  properties[PROP_KVM_SUPPORTED] = g_param_spec_boolean ("kvm-supported", NULL, NULL, TRUE, co);
  properties[PROP_ADDRESS] = g_param_spec_string ("address", NULL, NULL, NULL, ro);
  properties[PROP_HTTP_PORT] = g_param_spec_uint ("http-port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_TLS_PORT] = g_param_spec_uint ("tls-port", NULL, NULL, 0, 65535, 0, ro);
  properties[PROP_LATENCY_MS] = g_param_spec_uint ("latency-ms", NULL, NULL, 0, 600000, 0, rw);
  properties[PROP_POWER_STATE] = g_param_spec_uint ("power-state", NULL, NULL, 2, 8, 2, rw);
  properties[PROP_OS_POWER_SAVING_STATE] =
    g_param_spec_uint ("os-power-saving-state", NULL, NULL, 0, 3, 2, ro);
  properties[PROP_LAST_BOOT_TARGET] =
    g_param_spec_enum ("last-boot-target", NULL, NULL, OB_TYPE_SIM_BOOT_TARGET,
                       OB_SIM_BOOT_TARGET_NONE, ro);
  properties[PROP_LISTENER_ENABLED] = g_param_spec_boolean ("listener-enabled", NULL, NULL, TRUE, rw);
  properties[PROP_SOL_ENABLED] = g_param_spec_boolean ("sol-enabled", NULL, NULL, TRUE, ro);
  properties[PROP_IDER_ENABLED] = g_param_spec_boolean ("ider-enabled", NULL, NULL, TRUE, ro);
  properties[PROP_KVM_ENABLED] = g_param_spec_boolean ("kvm-enabled", NULL, NULL, TRUE, ro);
  properties[PROP_OPT_IN_REQUIRED] =
    g_param_spec_uint ("opt-in-required", NULL, NULL, 0, G_MAXUINT, OB_SIM_OPT_IN_KVM, ro);
  properties[PROP_OPT_IN_STATE] = g_param_spec_uint ("opt-in-state", NULL, NULL, 0, 4, 0, ro);
  properties[PROP_CONSENT_CODE] = g_param_spec_string ("consent-code", NULL, NULL, NULL, ro);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObSimDevice::booted:
   * @target: an #ObSimBootTarget
   * @use_sol: whether the boot ran with SOL console redirection
   *
   * The host ran its firmware (power on from off, reset, cycle, alarm).
   */
  signals[SIGNAL_BOOTED] =
    g_signal_new ("booted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, OB_TYPE_SIM_BOOT_TARGET, G_TYPE_BOOLEAN);
  /**
   * ObSimDevice::log-changed:
   *
   * An event or audit record was added.
   */
  signals[SIGNAL_LOG_CHANGED] =
    g_signal_new ("log-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * ObSimDevice::alarm-fired:
   * @instance_id: the alarm's InstanceID
   */
  signals[SIGNAL_ALARM_FIRED] =
    g_signal_new ("alarm-fired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ob_sim_device_init (ObSimDevice *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->amt_version = g_strdup ("16.1.25");
  self->build_number = g_strdup ("2049");
  self->sku = 16392;
  self->control_mode = OB_SIM_CONTROL_MODE_ACM;
  self->domain_name = g_strdup ("");
  self->kvm_supported = TRUE;

  self->power_state = OB_SIM_POWER_ON;
  self->os_power_saving_state = OB_SIM_OS_POWER_FULL;
  self->last_boot_target = OB_SIM_BOOT_TARGET_NONE;
  self->boot_count = 1;

  self->listener_enabled = TRUE;
  self->sol_enabled = TRUE;
  self->ider_enabled = TRUE;
  self->kvm_enabled = TRUE;
  self->kvm_requested_state = 2;
  self->kvm_settings.default_screen = 0;
  self->kvm_settings.is_5900_port_enabled = FALSE;
  self->kvm_settings.opt_in_policy = TRUE;
  self->kvm_settings.opt_in_policy_timeout = 300;
  self->kvm_settings.session_timeout = 3;

  self->opt_in_state = OB_SIM_OPT_IN_STATE_NOT_STARTED;
  self->opt_in_code_timeout = 120;
  self->opt_in_display_timeout = 300;

  self->event_log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->audit_log = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  /* AlarmEntry starts with its ObSimAlarm, so entries are read as alarms. */
  self->alarms = g_ptr_array_new_with_free_func (alarm_entry_free);
}

ObSimDevice *
ob_sim_device_new (const char *guid)
{
  g_return_val_if_fail (guid == NULL || ob_uuid_is_valid (guid), NULL);
  return g_object_new (OB_TYPE_SIM_DEVICE, "guid", guid, NULL);
}
