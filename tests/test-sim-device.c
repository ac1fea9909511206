/* test-sim-device.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-amt-logs.h"
#include "ob-sim-device.h"
#include "ob-util.h"

static const ObSimInitiator admin = { "admin", "192.0.2.7" };

/* ---- Identity and inventory ------------------------------------------- */

static void
test_identity (void)
{
  g_autoptr(ObSimDevice) random = ob_sim_device_new (NULL);
  g_autoptr(ObSimDevice) given = ob_sim_device_new ("4C4C4544-004B-4210-8033-B6C04F504633");
  const char *realm = ob_sim_device_get_digest_realm (random);
  GPtrArray *list;
  gboolean amt_found = FALSE;

  g_assert_true (ob_uuid_is_valid (ob_sim_device_get_guid (random)));
  g_assert_cmpstr (ob_sim_device_get_guid (given), ==, "4c4c4544-004b-4210-8033-b6c04f504633");
  g_assert_cmpstr (ob_sim_device_get_amt_version (random), ==, "16.1.25");
  g_assert_cmpuint (ob_sim_device_get_amt_major (random), ==, 16);
  g_assert_cmpint (ob_sim_device_get_control_mode (random), ==, OB_SIM_CONTROL_MODE_ACM);
  g_assert_cmpuint (ob_sim_device_get_power_state (random), ==, OB_SIM_POWER_ON);

  g_assert_true (g_str_has_prefix (realm, "Digest:"));
  g_assert_cmpuint (strlen (realm), ==, 7 + 32);
  for (const char *p = realm + 7; *p; p++)
    g_assert_true (g_ascii_isxdigit (*p) && !g_ascii_islower (*p));
  g_assert_cmpstr (realm, !=, ob_sim_device_get_digest_realm (given));

  list = ob_sim_device_get_inventory (given, "CIM_PhysicalMemory");
  g_assert_nonnull (list);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (ob_sim_instance_lookup (g_ptr_array_index (list, 0), "BankLabel"), ==, "BANK 0");

  /* PlatformGUID is the GUID in SMBIOS byte order. */
  list = ob_sim_device_get_inventory (given, "CIM_ComputerSystemPackage");
  g_assert_cmpstr (ob_sim_instance_lookup (g_ptr_array_index (list, 0), "PlatformGUID"), ==,
                   "44454C4C4B0010428033B6C04F504633");

  list = ob_sim_device_get_inventory (given, "CIM_SoftwareIdentity");
  for (guint i = 0; i < list->len; i++)
    if (g_strcmp0 (ob_sim_instance_lookup (g_ptr_array_index (list, i), "InstanceID"), "AMT") == 0)
      {
        g_assert_cmpstr (ob_sim_instance_lookup (g_ptr_array_index (list, i), "VersionString"), ==, "16.1.25");
        amt_found = TRUE;
      }
  g_assert_true (amt_found);

  /* CIM_PhysicalPackage enumerates the board and the chassis. */
  list = ob_sim_device_get_inventory (given, "CIM_PhysicalPackage");
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (ob_sim_instance_get_class_name (g_ptr_array_index (list, 0)), ==, "CIM_Card");
  g_assert_cmpstr (ob_sim_instance_get_class_name (g_ptr_array_index (list, 1)), ==, "CIM_Chassis");
  g_assert_null (ob_sim_device_get_inventory (given, "CIM_NoSuchClass"));

  /* The same GUID gives the same hardware. */
  {
    g_autoptr(ObSimDevice) again = ob_sim_device_new ("4c4c4544-004b-4210-8033-b6c04f504633");
    GPtrArray *a = ob_sim_device_get_inventory (given, "CIM_Chassis");
    GPtrArray *b = ob_sim_device_get_inventory (again, "CIM_Chassis");

    g_assert_cmpstr (ob_sim_instance_lookup (g_ptr_array_index (a, 0), "SerialNumber"), ==,
                     ob_sim_instance_lookup (g_ptr_array_index (b, 0), "SerialNumber"));
  }
}

/* ---- Power ------------------------------------------------------------ */

typedef struct
{
  guint    rv;
  guint    state;
  gboolean boots;
} PowerResult;

/* Starting states, in the order of the table columns. */
static const guint start_states[6] = { 2, 3, 4, 7, 8, 6 };

static const struct
{
  guint       action;
  PowerResult r[6];   /* on, sleep light, sleep deep, hibernate, off soft, off hard */
} power_table[] = {
  { 2,  { { 0, 2, FALSE }, { 0, 2, FALSE }, { 0, 2, FALSE }, { 0, 2, TRUE }, { 0, 2, TRUE }, { 0, 2, TRUE } } },
  { 3,  { { 0, 3, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 4,  { { 0, 4, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 5,  { { 0, 2, TRUE }, { 0, 2, TRUE }, { 0, 2, TRUE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 6,  { { 0, 8, FALSE }, { 0, 8, FALSE }, { 0, 8, FALSE }, { 0, 7, FALSE }, { 0, 8, FALSE }, { 0, 6, FALSE } } },
  { 7,  { { 0, 7, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 8,  { { 0, 8, FALSE }, { 0, 8, FALSE }, { 0, 8, FALSE }, { 0, 7, FALSE }, { 0, 8, FALSE }, { 0, 6, FALSE } } },
  { 10, { { 0, 2, TRUE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 11, { { 0, 2, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 12, { { 0, 8, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 0, 7, FALSE }, { 0, 8, FALSE }, { 0, 6, FALSE } } },
  { 13, { { 0, 8, FALSE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 0, 7, FALSE }, { 0, 8, FALSE }, { 0, 6, FALSE } } },
  { 14, { { 0, 2, TRUE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 15, { { 0, 2, TRUE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 16, { { 0, 2, TRUE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 17, { { 0, 2, TRUE }, { 2, 3, FALSE }, { 2, 4, FALSE }, { 2, 7, FALSE }, { 2, 8, FALSE }, { 2, 6, FALSE } } },
  { 9,  { { 36, 2, FALSE }, { 36, 3, FALSE }, { 36, 4, FALSE }, { 36, 7, FALSE }, { 36, 8, FALSE }, { 36, 6, FALSE } } },
  { 0,  { { 36, 2, FALSE }, { 36, 3, FALSE }, { 36, 4, FALSE }, { 36, 7, FALSE }, { 36, 8, FALSE }, { 36, 6, FALSE } } },
  { 100, { { 36, 2, FALSE }, { 36, 3, FALSE }, { 36, 4, FALSE }, { 36, 7, FALSE }, { 36, 8, FALSE }, { 36, 6, FALSE } } },
};

static void
count_boot (ObSimDevice     *device,
            ObSimBootTarget  target,
            gboolean         use_sol,
            guint           *boots)
{
  (*boots)++;
}

static void
test_power_transitions (void)
{
  for (guint a = 0; a < G_N_ELEMENTS (power_table); a++)
    for (guint s = 0; s < G_N_ELEMENTS (start_states); s++)
      {
        g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
        const PowerResult *want = &power_table[a].r[s];
        guint boots = 0;
        guint audit_before, boot_count_before;
        guint rv;

        ob_sim_device_set_power_state (device, start_states[s]);
        g_signal_connect (device, "booted", G_CALLBACK (count_boot), &boots);
        audit_before = ob_sim_device_get_n_audit_records (device);
        boot_count_before = ob_sim_device_get_boot_count (device);

        rv = ob_sim_device_request_power_state_change (device, power_table[a].action, &admin);

        if (rv != want->rv || ob_sim_device_get_power_state (device) != want->state ||
            (boots == 1) != want->boots)
          g_error ("action %u from state %u: got rv %u state %u boots %u, want rv %u state %u boots %d",
                   power_table[a].action, start_states[s], rv, ob_sim_device_get_power_state (device),
                   boots, want->rv, want->state, want->boots);
        g_assert_cmpuint (ob_sim_device_get_boot_count (device), ==, boot_count_before + boots);

        /* Every accepted action is audited; refused ones are not. */
        if (rv == 0)
          g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit_before + 1);
        else
          g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit_before);

        /* OSPowerSavingState is only known while on. */
        if (ob_sim_device_get_power_state (device) == OB_SIM_POWER_ON)
          g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, OB_SIM_OS_POWER_FULL);
        else
          g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, OB_SIM_OS_POWER_UNKNOWN);
      }
}

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_power_notify_and_available_states (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  guint notified = 0;
  guint n;
  const guint *states;

  g_signal_connect (device, "notify::power-state", G_CALLBACK (count_notify), &notified);

  states = ob_sim_device_get_available_power_states (device, &n);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpuint (states[0], ==, 10);

  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 8, &admin), ==, 0);
  g_assert_cmpuint (notified, ==, 1);
  states = ob_sim_device_get_available_power_states (device, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpuint (states[0], ==, 2);

  /* Off while off changes nothing and notifies nothing. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 8, &admin), ==, 0);
  g_assert_cmpuint (notified, ==, 1);

  /* A reset keeps the host on: no power-state notification. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 2, &admin), ==, 0);
  g_assert_cmpuint (notified, ==, 2);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpuint (notified, ==, 2);

  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 4, &admin), ==, 0);
  states = ob_sim_device_get_available_power_states (device, &n);
  g_assert_cmpuint (n, ==, 3);
}

static void
test_os_power_saving (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);

  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, 2);
  g_assert_cmpuint (ob_sim_device_request_os_power_saving_state_change (device, 3), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, 3);

  /* Power on while the OS saves power is accepted but does not wake it
   * (modern standby); only the OS request does. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 2, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, 3);
  g_assert_cmpuint (ob_sim_device_request_os_power_saving_state_change (device, 2), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, 2);

  g_assert_cmpuint (ob_sim_device_request_os_power_saving_state_change (device, 7), ==,
                    OB_SIM_RV_CIM_INVALID_PARAMETER);
  ob_sim_device_set_power_state (device, OB_SIM_POWER_OFF_SOFT);
  g_assert_cmpuint (ob_sim_device_request_os_power_saving_state_change (device, 3), ==,
                    OB_SIM_RV_CIM_INVALID_STATE_CHANGE);
  g_assert_cmpuint (ob_sim_device_get_os_power_saving_state (device), ==, 0);
}

/* ---- Boot settings ------------------------------------------------------ */

typedef struct
{
  ObSimBootTarget target;
  gboolean        use_sol;
  guint           count;
} BootSeen;

static void
on_booted (ObSimDevice     *device,
           ObSimBootTarget  target,
           gboolean         use_sol,
           BootSeen        *seen)
{
  seen->target = target;
  seen->use_sol = use_sol;
  seen->count++;
}

static void
test_boot_flags_consumed (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  g_autoptr(GError) error = NULL;
  ObSimBootSettings b = { 0 };
  BootSeen seen = { 0 };
  guint audit;

  g_signal_connect (device, "booted", G_CALLBACK (on_booted), &seen);
  g_assert_true (ob_sim_device_get_boot_options_cleared (device));

  /* BIOS setup with SOL, then power off and on: the next power-on boots
   * into the BIOS and consumes the flags. */
  b.bios_setup = TRUE;
  b.use_sol = TRUE;
  audit = ob_sim_device_get_n_audit_records (device);
  g_assert_true (ob_sim_device_set_boot_settings (device, &b, NULL, &admin, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit + 1);
  g_assert_false (ob_sim_device_get_boot_options_cleared (device));

  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 8, &admin), ==, 0);
  g_assert_cmpuint (seen.count, ==, 0);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 2, &admin), ==, 0);
  g_assert_cmpuint (seen.count, ==, 1);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  g_assert_true (seen.use_sol);
  g_assert_cmpint (ob_sim_device_get_last_boot_target (device), ==, OB_SIM_BOOT_TARGET_BIOS_SETUP);
  g_assert_true (ob_sim_device_get_last_boot_used_sol (device));
  g_assert_true (ob_sim_device_get_boot_options_cleared (device));
  ob_sim_device_get_boot_settings (device, &b);
  g_assert_false (b.bios_setup);
  g_assert_false (b.use_sol);

  /* The next reset boots the OS again. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_OS);
  g_assert_false (seen.use_sol);

  /* PXE: boot order plus the "is next" role, as the MPS sets it. */
  g_assert_cmpuint (ob_sim_device_change_boot_order (device, OB_SIM_BOOT_SOURCE_PXE), ==, 0);
  g_assert_cmpuint (ob_sim_device_set_boot_config_role (device, OB_SIM_BOOT_CONFIG_INSTANCE, 1), ==, 0);
  g_assert_cmpstr (ob_sim_device_get_boot_source (device), ==, OB_SIM_BOOT_SOURCE_PXE);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_PXE);
  g_assert_null (ob_sim_device_get_boot_source (device));

  /* A boot order without the role does not apply. */
  g_assert_cmpuint (ob_sim_device_change_boot_order (device, OB_SIM_BOOT_SOURCE_CD_DVD), ==, 0);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_OS);

  /* Bad sources and roles. */
  g_assert_cmpuint (ob_sim_device_change_boot_order (device, "Intel(r) AMT: Force Floppy Boot"), ==, 36);
  g_assert_cmpuint (ob_sim_device_change_boot_order (device, NULL), ==, 0);
  g_assert_cmpuint (ob_sim_device_set_boot_config_role (device, "Other", 1), ==, 36);
  g_assert_cmpuint (ob_sim_device_set_boot_config_role (device, OB_SIM_BOOT_CONFIG_INSTANCE, 7), ==, 36);

  /* IDE-R CD boot needs IDE-R enabled in the redirection service. */
  memset (&b, 0, sizeof b);
  b.use_ider = TRUE;
  b.ider_boot_device = 1;
  g_assert_true (ob_sim_device_set_boot_settings (device, &b, NULL, &admin, NULL));
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_IDER_CD);
  g_assert_cmpuint (ob_sim_device_request_redirection_state (device, 32770, &admin), ==, 0);
  g_assert_true (ob_sim_device_set_boot_settings (device, &b, NULL, &admin, NULL));
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpint (seen.target, ==, OB_SIM_BOOT_TARGET_OS);

  /* Out-of-range values change nothing. */
  memset (&b, 0, sizeof b);
  b.bios_pause = TRUE;
  b.firmware_verbosity = 9;
  g_assert_false (ob_sim_device_set_boot_settings (device, &b, NULL, &admin, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  memset (&b, 0, sizeof b);
  g_assert_false (ob_sim_device_set_boot_settings (device, &b, "not base64!", &admin, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ob_sim_device_get_boot_options_cleared (device));

  /* UEFI HTTPS boot parameters are kept until the boot. */
  g_assert_true (ob_sim_device_set_boot_settings (device, &b, "hoAIAAEAAAAA", &admin, NULL));
  g_assert_cmpstr (ob_sim_device_get_uefi_boot_parameters (device), ==, "hoAIAAEAAAAA");
  g_assert_false (ob_sim_device_get_boot_options_cleared (device));
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_null (ob_sim_device_get_uefi_boot_parameters (device));

  /* One-click recovery. */
  g_assert_cmpuint (ob_sim_device_get_boot_service_state (device), ==, 32768);
  g_assert_cmpuint (ob_sim_device_request_boot_service_state (device, 32769), ==, 0);
  g_assert_true (ob_sim_device_get_ocr_enabled (device));
  g_assert_cmpuint (ob_sim_device_get_boot_service_state (device), ==, 32769);
  g_assert_cmpuint (ob_sim_device_request_boot_service_state (device, 2), ==, 36);
}

/* ---- Redirection --------------------------------------------------------- */

static void
test_redirection (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  g_autoptr(ObSimDevice) no_kvm = g_object_new (OB_TYPE_SIM_DEVICE, "kvm-supported", FALSE, NULL);
  guint audit = ob_sim_device_get_n_audit_records (device);
  ObSimKvmSettings k;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (ob_sim_device_get_redirection_state (device), ==, 32771);
  g_assert_cmpuint (ob_sim_device_get_kvm_state (device), ==, 2);

  g_assert_cmpuint (ob_sim_device_request_redirection_state (device, 32768, &admin), ==, 0);
  g_assert_false (ob_sim_device_get_sol_enabled (device));
  g_assert_false (ob_sim_device_get_ider_enabled (device));
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit + 2);
  g_assert_cmpuint (ob_sim_device_request_redirection_state (device, 32770, &admin), ==, 0);
  g_assert_true (ob_sim_device_get_sol_enabled (device));
  g_assert_cmpuint (ob_sim_device_get_redirection_state (device), ==, 32770);
  g_assert_cmpuint (ob_sim_device_request_redirection_state (device, 2, &admin), ==, 36);
  g_assert_cmpuint (ob_sim_device_request_redirection_state (device, 32772, &admin), ==, 36);

  /* KVM: 6 = enabled but offline while the listener is off. */
  ob_sim_device_set_listener_enabled (device, FALSE);
  g_assert_cmpuint (ob_sim_device_get_kvm_state (device), ==, 6);
  ob_sim_device_set_listener_enabled (device, TRUE);
  g_assert_cmpuint (ob_sim_device_request_kvm_state (device, 3, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_kvm_state (device), ==, 3);
  g_assert_cmpuint (ob_sim_device_get_kvm_requested_state (device), ==, 3);
  g_assert_cmpuint (ob_sim_device_request_kvm_state (device, 4, &admin), ==, 36);
  g_assert_cmpuint (ob_sim_device_request_kvm_state (no_kvm, 2, &admin), ==, 1);
  g_assert_cmpuint (ob_sim_device_get_kvm_state (no_kvm), ==, 3);

  /* KVM settings; the RFB password is write-only and must be 8 characters. */
  ob_sim_device_get_kvm_settings (device, &k);
  k.default_screen = 1;
  g_assert_true (ob_sim_device_set_kvm_settings (device, &k, "Amt2026!", &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ob_sim_device_get_rfb_password (device), ==, "Amt2026!");
  g_assert_false (ob_sim_device_set_kvm_settings (device, &k, "short", &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  k.default_screen = 9;
  g_assert_false (ob_sim_device_set_kvm_settings (device, &k, NULL, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  ob_sim_device_get_kvm_settings (device, &k);
  g_assert_cmpuint (k.default_screen, ==, 1);
  g_assert_cmpstr (ob_sim_device_get_rfb_password (device), ==, "Amt2026!");
}

/* ---- Consent ----------------------------------------------------------- */

static void
test_consent_policy (void)
{
  g_autoptr(ObSimDevice) acm = ob_sim_device_new (NULL);
  g_autoptr(ObSimDevice) ccm = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_CCM, NULL);
  g_autoptr(GError) error = NULL;
  guint audit = ob_sim_device_get_n_audit_records (acm);
  g_autoptr(GBytes) record = NULL;
  g_autoptr(JsonNode) decoded = NULL;
  gsize len;
  const guint8 *data;

  g_assert_cmpuint (ob_sim_device_get_opt_in_required (acm), ==, OB_SIM_OPT_IN_KVM);
  g_assert_true (ob_sim_device_get_can_modify_opt_in_policy (acm));
  g_assert_true (ob_sim_device_set_opt_in_required (acm, OB_SIM_OPT_IN_NONE, &admin, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (acm), ==, OB_SIM_OPT_IN_NONE);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (acm), ==, audit + 1);

  /* The "Opt-In Policy Change" record decodes with the reference's text. */
  record = ob_sim_device_get_audit_record (acm, audit);
  data = g_bytes_get_data (record, &len);
  decoded = ob_amt_audit_record_decode (data, len, &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (decoded), "AuditAppID"), ==, 30);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (decoded), "EventID"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (decoded), "ExStr"), ==,
                   "From KVM to None");

  g_assert_false (ob_sim_device_set_opt_in_required (acm, 7, &admin, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* Client control mode: consent is always required. */
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (ccm), ==, OB_SIM_OPT_IN_ALL);
  g_assert_false (ob_sim_device_get_can_modify_opt_in_policy (ccm));
  g_assert_false (ob_sim_device_set_opt_in_required (ccm, OB_SIM_OPT_IN_NONE, &admin, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_ALLOWED);
  g_clear_error (&error);
  g_assert_true (ob_sim_device_set_opt_in_required (ccm, OB_SIM_OPT_IN_ALL, &admin, &error));
  g_assert_false (ob_sim_device_consent_allows (ccm, FALSE));

  /* Moving a device to CCM forces the policy to ALL. */
  ob_sim_device_set_control_mode (acm, OB_SIM_CONTROL_MODE_CCM);
  g_assert_cmpuint (ob_sim_device_get_opt_in_required (acm), ==, OB_SIM_OPT_IN_ALL);
}

static void
test_consent_code (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  g_autofree char *code = NULL;
  g_autofree char *wrong = NULL;
  guint code_notifications = 0;
  guint events;
  guint audit;

  g_signal_connect (device, "notify::consent-code", G_CALLBACK (count_notify), &code_notifications);

  g_assert_null (ob_sim_device_get_consent_code (device));
  g_assert_false (ob_sim_device_consent_allows (device, TRUE));
  g_assert_true (ob_sim_device_consent_allows (device, FALSE));   /* policy KVM */
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, "123456", &admin), ==, 2);

  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);
  code = g_strdup (ob_sim_device_get_consent_code (device));
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  for (const char *p = code; *p; p++)
    g_assert_true (g_ascii_isdigit (*p));
  g_assert_cmpuint (code_notifications, ==, 1);

  /* StartOptIn again while the code is shown keeps the code. */
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  g_assert_cmpstr (ob_sim_device_get_consent_code (device), ==, code);

  wrong = g_strdup_printf ("%06u", (guint) (g_ascii_strtoull (code, NULL, 10) + 1) % 1000000);
  audit = ob_sim_device_get_n_audit_records (device);
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, wrong, &admin), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpuint (ob_sim_device_get_consent_attempts (device), ==, 1);
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, "not a code", &admin), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpuint (ob_sim_device_get_consent_attempts (device), ==, 2);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);

  /* Leading zeros do not matter (the MPS sends the code as a number). */
  {
    g_autofree char *as_number = g_strdup_printf ("%" G_GUINT64_FORMAT, g_ascii_strtoull (code, NULL, 10));

    g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, as_number, &admin), ==, 0);
  }
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_RECEIVED);
  g_assert_null (ob_sim_device_get_consent_code (device));
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit + 1);
  g_assert_true (ob_sim_device_consent_allows (device, TRUE));
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 2);

  /* A session uses the consent; its end clears it. */
  ob_sim_device_session_started (device);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_IN_SESSION);
  ob_sim_device_advance_clock (device, 3600);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_IN_SESSION);
  ob_sim_device_session_ended (device);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);

  /* Three wrong codes: the code is gone, an audit record and a security
   * event are logged. */
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  events = ob_sim_device_get_n_event_records (device);
  audit = ob_sim_device_get_n_audit_records (device);
  g_clear_pointer (&code, g_free);
  code = g_strdup (ob_sim_device_get_consent_code (device));
  g_clear_pointer (&wrong, g_free);
  wrong = g_strdup_printf ("%06u", (guint) (g_ascii_strtoull (code, NULL, 10) + 7) % 1000000);
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_CONSENT_ATTEMPTS; i++)
    g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, wrong, &admin), ==, OB_SIM_RV_INVALID_CONSENT_CODE);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);
  g_assert_null (ob_sim_device_get_consent_code (device));
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, code, &admin), ==, 2);
  g_assert_cmpuint (ob_sim_device_get_n_event_records (device), ==, events + 1);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit + 1);
  {
    g_autoptr(GBytes) rec = ob_sim_device_get_event_record (device, events);
    g_autoptr(GBytes) arec = ob_sim_device_get_audit_record (device, audit);
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonNode) ev = NULL;
    g_autoptr(JsonNode) au = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data (rec, &len);

    ev = ob_amt_event_record_decode (data, len, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (ev), "EventSensorType"), ==, 6);
    g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (ev), "Desc"), "3 times"));
    data = g_bytes_get_data (arec, &len);
    au = ob_amt_audit_record_decode (data, len, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (au), "ExStr"), ==, "Failed 3 times");
  }

  /* Timeout: the code expires after OptInCodeTimeout. */
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  ob_sim_device_advance_clock (device, ob_sim_device_get_opt_in_code_timeout (device) - 5);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);
  g_clear_pointer (&code, g_free);
  code = g_strdup (ob_sim_device_get_consent_code (device));
  ob_sim_device_advance_clock (device, 10);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);
  g_assert_null (ob_sim_device_get_consent_code (device));
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, code, &admin), ==, 2);

  /* A granted consent waits OptInDisplayTimeout for a session. */
  ob_sim_device_set_opt_in_display_timeout (device, 30);
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_send_opt_in_code (device, ob_sim_device_get_consent_code (device), &admin), ==, 0);
  ob_sim_device_advance_clock (device, 31);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);

  /* Cancel. */
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_cancel_opt_in (device, &admin), ==, 0);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_NOT_STARTED);
  g_assert_null (ob_sim_device_get_consent_code (device));

  /* Host off: the code waits (state 1) and shows when the host is on. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 8, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_start_opt_in (device, &admin), ==, 0);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_REQUESTED);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 2, &admin), ==, 0);
  g_assert_cmpint (ob_sim_device_get_opt_in_state (device), ==, OB_SIM_OPT_IN_STATE_DISPLAYED);
}

/* ---- Logs ------------------------------------------------------------ */

static void
test_logs_grow_and_decode (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  guint events = ob_sim_device_get_n_event_records (device);
  guint audit = ob_sim_device_get_n_audit_records (device);
  g_autoptr(GError) error = NULL;
  gboolean saw_os_boot = FALSE;
  guint log_changes = 0;

  /* The device comes with history: provisioning and one boot. */
  g_assert_cmpuint (events, >, 0);
  g_assert_cmpuint (audit, >=, 3);

  g_signal_connect (device, "log-changed", G_CALLBACK (count_notify), &log_changes);
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 10, &admin), ==, 0);
  g_assert_cmpuint (ob_sim_device_get_n_event_records (device), >, events);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, audit + 1);
  g_assert_cmpuint (log_changes, >, 1);

  /* Every event record decodes; the boot shows the firmware progress. */
  for (guint i = 0; i < ob_sim_device_get_n_event_records (device); i++)
    {
      g_autoptr(GBytes) rec = ob_sim_device_get_event_record (device, i);
      g_autoptr(JsonNode) node = NULL;
      JsonObject *o;
      gsize len;
      const guint8 *data = g_bytes_get_data (rec, &len);

      g_assert_cmpuint (len, ==, OB_AMT_EVENT_RECORD_SIZE);
      node = ob_amt_event_record_decode (data, len, &error);
      g_assert_no_error (error);
      o = json_node_get_object (node);
      g_assert_true (json_object_has_member (o, "TimeStamp"));
      if (i >= events && json_object_get_int_member (o, "EventSensorType") == 15 &&
          g_strcmp0 (json_object_get_string_member (o, "Desc"), "Starting operating system boot process") == 0)
        {
          g_assert_cmpstr (json_object_get_string_member (o, "EntityStr"), ==, "BIOS");
          saw_os_boot = TRUE;
        }
    }
  g_assert_true (saw_os_boot);

  /* The reset is audited for the digest user and peer address. */
  {
    g_autoptr(GBytes) rec = ob_sim_device_get_audit_record (device, audit);
    g_autoptr(JsonNode) node = NULL;
    JsonObject *o;
    gsize len;
    const guint8 *data = g_bytes_get_data (rec, &len);
    gint64 t;

    node = ob_amt_audit_record_decode (data, len, &error);
    g_assert_no_error (error);
    o = json_node_get_object (node);
    g_assert_cmpint (json_object_get_int_member (o, "AuditAppID"), ==, 17);
    g_assert_cmpint (json_object_get_int_member (o, "EventID"), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (o, "Event"), ==, "Performed Reset");
    g_assert_cmpint (json_object_get_int_member (o, "InitiatorType"), ==, 0);
    g_assert_cmpstr (json_object_get_string_member (o, "Initiator"), ==, "admin");
    g_assert_cmpstr (json_object_get_string_member (o, "NetAddress"), ==, "192.0.2.7");

    /* Time is big-endian seconds right after the initiator. */
    t = ((gint64) data[11] << 24) | (data[12] << 16) | (data[13] << 8) | data[14];
    g_assert_cmpint (ABS (t - ob_sim_device_get_time (device)), <=, 2);
  }

  /* A local action has initiator type 2. */
  ob_sim_device_add_audit (device, 17, 1, NULL, NULL, 0);
  {
    g_autoptr(GBytes) rec = ob_sim_device_get_audit_record (device, ob_sim_device_get_n_audit_records (device) - 1);
    g_autoptr(JsonNode) node = NULL;
    gsize len;
    const guint8 *data = g_bytes_get_data (rec, &len);

    node = ob_amt_audit_record_decode (data, len, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (json_node_get_object (node), "InitiatorType"), ==, 2);
  }

  /* Both logs are rings. */
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_EVENT_RECORDS + 10; i++)
    ob_sim_device_add_event (device, 15, 2, 1, 34, NULL);
  g_assert_cmpuint (ob_sim_device_get_n_event_records (device), ==, OB_SIM_DEVICE_MAX_EVENT_RECORDS);
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_AUDIT_RECORDS + 10; i++)
    ob_sim_device_add_audit (device, 17, 0, &admin, NULL, 0);
  g_assert_cmpuint (ob_sim_device_get_n_audit_records (device), ==, OB_SIM_DEVICE_MAX_AUDIT_RECORDS);

  /* Three failed logins in a row log a security event. */
  events = ob_sim_device_get_n_event_records (device);
  ob_sim_device_note_auth_failure (device);
  ob_sim_device_note_auth_failure (device);
  ob_sim_device_note_auth_success (device);
  ob_sim_device_note_auth_failure (device);
  ob_sim_device_note_auth_failure (device);
  g_assert_cmpuint (ob_sim_device_get_n_event_records (device), ==, events);
  ob_sim_device_note_auth_failure (device);
  {
    g_autoptr(GBytes) rec = ob_sim_device_get_event_record (device, ob_sim_device_get_n_event_records (device) - 1);
    const guint8 *data = g_bytes_get_data (rec, NULL);

    g_assert_cmpuint (data[5], ==, 6);
    g_assert_cmpuint (data[14], ==, 3);
  }
}

/* ---- Alarms ------------------------------------------------------------ */

static void
record_fired (ObSimDevice *device,
              const char  *instance_id,
              GPtrArray   *fired)
{
  g_ptr_array_add (fired, g_strdup (instance_id));
}

static void
test_alarms (void)
{
  g_autoptr(ObSimDevice) device = ob_sim_device_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) fired = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) list = NULL;
  gint64 now = ob_sim_device_get_time (device);
  ObSimAlarm alarm = { 0 };
  guint boots;

  g_signal_connect (device, "alarm-fired", G_CALLBACK (record_fired), fired);

  /* Quota: five alarms, the sixth is refused. */
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_ALARMS; i++)
    {
      g_autofree char *id = g_strdup_printf ("alarm-%u", i);

      alarm.instance_id = id;
      alarm.element_name = id;
      alarm.start_time = now + 3600 * (i + 1);
      g_assert_true (ob_sim_device_add_alarm (device, &alarm, &error));
      g_assert_no_error (error);
    }
  alarm.instance_id = (char *) "alarm-0";
  alarm.element_name = (char *) "again";
  g_assert_false (ob_sim_device_add_alarm (device, &alarm, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_ALREADY_EXISTS);
  g_clear_error (&error);
  alarm.instance_id = (char *) "alarm-9";
  g_assert_false (ob_sim_device_add_alarm (device, &alarm, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_QUOTA_EXCEEDED);
  g_clear_error (&error);

  list = ob_sim_device_list_alarms (device);
  g_assert_cmpuint (list->len, ==, OB_SIM_DEVICE_MAX_ALARMS);
  g_assert_cmpstr (((ObSimAlarm *) g_ptr_array_index (list, 2))->instance_id, ==, "alarm-2");
  g_clear_pointer (&list, g_ptr_array_unref);

  g_assert_false (ob_sim_device_delete_alarm (device, "nope", &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_NOT_FOUND);
  g_clear_error (&error);
  for (guint i = 0; i < OB_SIM_DEVICE_MAX_ALARMS; i++)
    {
      g_autofree char *id = g_strdup_printf ("alarm-%u", i);

      g_assert_true (ob_sim_device_delete_alarm (device, id, &error));
    }

  alarm.instance_id = (char *) "";
  alarm.element_name = (char *) "x";
  g_assert_false (ob_sim_device_add_alarm (device, &alarm, &error));
  g_assert_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* A one-shot alarm wakes a powered-off host and deletes itself. */
  g_assert_cmpuint (ob_sim_device_request_power_state_change (device, 8, &admin), ==, 0);
  boots = ob_sim_device_get_boot_count (device);
  alarm.instance_id = (char *) "wake";
  alarm.element_name = (char *) "Wake up";
  alarm.start_time = now + 60;
  alarm.interval_minutes = 0;
  alarm.delete_on_completion = TRUE;
  g_assert_true (ob_sim_device_add_alarm (device, &alarm, &error));
  ob_sim_device_advance_clock (device, 30);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_SIM_POWER_OFF_SOFT);
  ob_sim_device_advance_clock (device, 31);
  g_assert_cmpuint (ob_sim_device_get_power_state (device), ==, OB_SIM_POWER_ON);
  g_assert_cmpuint (ob_sim_device_get_boot_count (device), ==, boots + 1);
  g_assert_cmpuint (fired->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fired, 0), ==, "wake");
  list = ob_sim_device_list_alarms (device);
  g_assert_cmpuint (list->len, ==, 0);
  g_clear_pointer (&list, g_ptr_array_unref);

  /* A repeating alarm moves to its next time; a kept one-shot fires once. */
  alarm.instance_id = (char *) "daily";
  alarm.element_name = (char *) "Daily";
  alarm.start_time = ob_sim_device_get_time (device) + 60;
  alarm.interval_minutes = 24 * 60;
  g_assert_true (ob_sim_device_add_alarm (device, &alarm, &error));
  alarm.instance_id = (char *) "once";
  alarm.element_name = (char *) "Once";
  alarm.interval_minutes = 0;
  alarm.delete_on_completion = FALSE;
  g_assert_true (ob_sim_device_add_alarm (device, &alarm, &error));
  ob_sim_device_advance_clock (device, 120);
  g_assert_cmpuint (fired->len, ==, 3);
  list = ob_sim_device_list_alarms (device);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (((ObSimAlarm *) g_ptr_array_index (list, 0))->start_time, ==, alarm.start_time + 24 * 3600);
  g_clear_pointer (&list, g_ptr_array_unref);
  ob_sim_device_advance_clock (device, 24 * 3600);
  g_assert_cmpuint (fired->len, ==, 4);
  g_assert_cmpstr (g_ptr_array_index (fired, 3), ==, "daily");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sim/device/identity", test_identity);
  g_test_add_func ("/sim/device/power/transitions", test_power_transitions);
  g_test_add_func ("/sim/device/power/notify", test_power_notify_and_available_states);
  g_test_add_func ("/sim/device/power/os-power-saving", test_os_power_saving);
  g_test_add_func ("/sim/device/boot/flags-consumed", test_boot_flags_consumed);
  g_test_add_func ("/sim/device/redirection", test_redirection);
  g_test_add_func ("/sim/device/consent/policy", test_consent_policy);
  g_test_add_func ("/sim/device/consent/code", test_consent_code);
  g_test_add_func ("/sim/device/logs", test_logs_grow_and_decode);
  g_test_add_func ("/sim/device/alarms", test_alarms);

  return g_test_run ();
}
