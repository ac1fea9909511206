/* test-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "ob-error.h"
#include "ob-util.h"

static void
test_hex (void)
{
  const guint8 data[] = { 0x00, 0x01, 0xab, 0xff };
  g_autofree char *lower = ob_hex_encode (data, sizeof data, FALSE);
  g_autofree char *upper = ob_hex_encode (data, sizeof data, TRUE);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (lower, ==, "0001abff");
  g_assert_cmpstr (upper, ==, "0001ABFF");

  back = ob_hex_decode ("0001AbfF", &error);
  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (back, NULL), g_bytes_get_size (back), data, sizeof data);
  g_clear_pointer (&back, g_bytes_unref);

  back = ob_hex_decode ("", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (back), ==, 0);

  /* Hostile input: odd length, non-hex characters anywhere. */
  g_assert_null (ob_hex_decode ("abc", &error));
  g_assert_error (error, OB_ERROR, OB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ob_hex_decode ("zz", &error));
  g_assert_error (error, OB_ERROR, OB_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ob_hex_decode ("00 1", &error));
  g_assert_error (error, OB_ERROR, OB_ERROR_INVALID_ARGUMENT);
}

static void
test_uuid (void)
{
  guint8 bytes[16];
  g_autofree char *text = NULL;

  g_assert_true (ob_uuid_parse ("12345678-9ABC-def0-1234-56789abcdef0", bytes));
  g_assert_cmphex (bytes[0], ==, 0x12);
  g_assert_cmphex (bytes[15], ==, 0xf0);
  text = ob_uuid_to_string (bytes);
  g_assert_cmpstr (text, ==, "12345678-9abc-def0-1234-56789abcdef0");

  /* SMBIOS order swaps the first three fields and is its own inverse. */
  ob_uuid_swap_smbios_order (bytes);
  g_clear_pointer (&text, g_free);
  text = ob_uuid_to_string (bytes);
  g_assert_cmpstr (text, ==, "78563412-bc9a-f0de-1234-56789abcdef0");
  ob_uuid_swap_smbios_order (bytes);
  g_clear_pointer (&text, g_free);
  text = ob_uuid_to_string (bytes);
  g_assert_cmpstr (text, ==, "12345678-9abc-def0-1234-56789abcdef0");

  g_assert_false (ob_uuid_is_valid (NULL));
  g_assert_false (ob_uuid_is_valid (""));
  g_assert_false (ob_uuid_is_valid ("12345678-9abc-def0-1234-56789abcdef"));
  g_assert_false (ob_uuid_is_valid ("12345678-9abc-def0-1234-56789abcdef00"));
  g_assert_false (ob_uuid_is_valid ("12345678x9abc-def0-1234-56789abcdef0"));
  g_assert_false (ob_uuid_is_valid ("1234567g-9abc-def0-1234-56789abcdef0"));
  g_assert_true (ob_uuid_is_valid ("00000000-0000-0000-0000-000000000000"));
}

static void
test_random_password (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; i < 200; i++)
    {
      char *pw = ob_random_password ();
      gboolean upper = FALSE, lower = FALSE, digit = FALSE, special = FALSE;

      g_assert_cmpuint (strlen (pw), ==, 16);
      for (const char *p = pw; *p; p++)
        {
          upper |= g_ascii_isupper (*p);
          lower |= g_ascii_islower (*p);
          digit |= g_ascii_isdigit (*p);
          special |= strchr ("!@#$%^*", *p) != NULL;
          g_assert_true (g_ascii_isalnum (*p) || strchr ("!@#$%^*", *p) != NULL);
        }
      g_assert_true (upper && lower && digit && special);
      g_assert_false (g_hash_table_contains (seen, pw));
      g_hash_table_add (seen, pw);
    }
}

static void
test_secure_clear (void)
{
  char buf[8] = "secret!";

  ob_secure_clear (buf, sizeof buf);
  for (guint i = 0; i < sizeof buf; i++)
    g_assert_cmpint (buf[i], ==, 0);

  ob_secure_clear (NULL, 0);
  ob_secure_free_string (NULL);
  ob_secure_free_string (g_strdup ("gone"));
}

static void
test_primary_address (void)
{
  g_autofree char *address = ob_get_primary_address ();
  g_autoptr(GInetAddress) inet = NULL;

  g_assert_nonnull (address);
  inet = g_inet_address_new_from_string (address);
  /* Either an IPv4 address that is not loopback, or the fallback name. */
  if (inet != NULL)
    g_assert_false (g_inet_address_get_is_loopback (inet));
  else
    g_assert_cmpstr (address, ==, "localhost");
}

static void
test_data_dir (void)
{
  g_autofree char *dir = ob_get_data_dir ();

  g_assert_true (g_str_has_suffix (dir, "/outband"));
  g_assert_true (g_file_test (dir, G_FILE_TEST_IS_DIR));
}

/* Real-time microseconds and GDateTime, both ways, before the epoch too. */
static void
test_date_time_real_time (void)
{
  const gint64 times[] = { 0, 1, 999999, 1764475200123456, -1, -1500000 };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autoptr(GDateTime) when = ob_date_time_new_from_real_time (times[i]);

      g_assert_nonnull (when);
      g_assert_cmpint (ob_date_time_to_real_time (when), ==, times[i]);
    }

  {
    g_autoptr(GDateTime) when = ob_date_time_new_from_real_time (-1500000);

    /* 1969-12-31 23:59:58.5 UTC */
    g_assert_cmpint (g_date_time_get_year (when), ==, 1969);
    g_assert_cmpint (g_date_time_get_second (when), ==, 58);
    g_assert_cmpint (g_date_time_get_microsecond (when), ==, 500000);
  }

  /* Past what GDateTime holds (year 9999). */
  g_assert_null (ob_date_time_new_from_real_time (G_MAXINT64));
  g_assert_cmpint (ob_date_time_to_real_time (NULL), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/util/hex", test_hex);
  g_test_add_func ("/util/uuid", test_uuid);
  g_test_add_func ("/util/random-password", test_random_password);
  g_test_add_func ("/util/secure-clear", test_secure_clear);
  g_test_add_func ("/util/primary-address", test_primary_address);
  g_test_add_func ("/util/data-dir", test_data_dir);
  g_test_add_func ("/util/date-time-real-time", test_date_time_real_time);

  return g_test_run ();
}
