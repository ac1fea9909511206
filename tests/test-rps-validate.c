/* test-rps-validate.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rps-validate.h"

/* The rules the REST API and the editors share (rps-rpc-activation.md
 * §1.9): what each password lacks, and the name classes. */

static void
test_password_problems (void)
{
  static const struct
  {
    const char            *password;
    ObRpsPasswordProblems  problems;
  } cases[] = {
    { "Str0ng!Pass", 0 },
    { "P4ss&word", 0 },
    { "", OB_RPS_PASSWORD_TOO_SHORT | OB_RPS_PASSWORD_NO_DIGIT | OB_RPS_PASSWORD_NO_LOWER |
          OB_RPS_PASSWORD_NO_UPPER | OB_RPS_PASSWORD_NO_SPECIAL },
    { "weakpass", OB_RPS_PASSWORD_NO_DIGIT | OB_RPS_PASSWORD_NO_UPPER | OB_RPS_PASSWORD_NO_SPECIAL },
    { "Weakpass1", OB_RPS_PASSWORD_NO_SPECIAL },
    { "S!1s", OB_RPS_PASSWORD_TOO_SHORT },
    { "Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!Aa1!x", OB_RPS_PASSWORD_TOO_LONG },
    /* '?' and '~' are allowed but do not count as special. */
    { "Passw0rd?~", OB_RPS_PASSWORD_NO_SPECIAL },
    /* Space, '"', '{' and non-ASCII are outside the class. */
    { "Pass w0rd!", OB_RPS_PASSWORD_BAD_CHAR },
    { "Pass\"w0rd!", OB_RPS_PASSWORD_BAD_CHAR },
    { "Pa{ssw0rd!", OB_RPS_PASSWORD_BAD_CHAR },
    { "Pässw0rd!", OB_RPS_PASSWORD_BAD_CHAR },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s", cases[i].password);
      g_assert_cmpuint (ob_rps_validate_password_problems (cases[i].password), ==, cases[i].problems);
      g_assert_true (ob_rps_validate_strong_password (cases[i].password) == (cases[i].problems == 0));
    }

  g_assert_false (ob_rps_validate_strong_password (NULL));
}

static void
test_names (void)
{
  /* "&-_" is a range: ( ) + , - . / : ; < = > [ \ ] _ pass. */
  g_assert_true (ob_rps_validate_profile_name ("lab(1);x"));
  g_assert_true (ob_rps_validate_profile_name ("a$b"));
  g_assert_false (ob_rps_validate_cira_name ("a$b"));
  g_assert_true (ob_rps_validate_cira_name ("office-mps"));
  g_assert_false (ob_rps_validate_profile_name ("two words"));
  g_assert_false (ob_rps_validate_profile_name (""));
  g_assert_false (ob_rps_validate_profile_name ("a{b}"));
  g_assert_true (ob_rps_validate_alnum ("Office1"));
  g_assert_false (ob_rps_validate_alnum ("Office-1"));
}

static void
test_addresses (void)
{
  g_assert_true (ob_rps_validate_fqdn ("mps.example.com"));
  g_assert_true (ob_rps_validate_fqdn ("xn--bcher-kva.example"));
  g_assert_false (ob_rps_validate_fqdn ("MPS.Example.com"));
  g_assert_false (ob_rps_validate_fqdn ("localhost"));
  g_assert_false (ob_rps_validate_fqdn ("a..b"));
  g_assert_false (ob_rps_validate_fqdn ("-a.com"));
  g_assert_false (ob_rps_validate_fqdn ("a.c"));
  g_assert_true (ob_rps_validate_ipv4 ("192.0.2.10"));
  g_assert_true (ob_rps_validate_ipv4 ("010.0.0.1"));
  g_assert_false (ob_rps_validate_ipv4 ("256.0.0.1"));
  g_assert_false (ob_rps_validate_ipv4 ("1.2.3"));
  g_assert_true (ob_rps_validate_ipv6 ("fe80::1"));
  g_assert_false (ob_rps_validate_ipv6 ("192.0.2.1"));
}

static void
test_enums (void)
{
  g_assert_true (ob_rps_validate_wifi_auth_is_psk (OB_RPS_WIFI_AUTH_WPA2_PSK));
  g_assert_false (ob_rps_validate_wifi_auth_is_psk (OB_RPS_WIFI_AUTH_WPA2_IEEE));
  g_assert_true (ob_rps_validate_ieee8021x_protocol (10, TRUE));
  g_assert_false (ob_rps_validate_ieee8021x_protocol (10, FALSE));
  g_assert_true (ob_rps_validate_ieee8021x_protocol (2, FALSE));
  g_assert_false (ob_rps_validate_ieee8021x_protocol (1, TRUE));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rps-validate/password-problems", test_password_problems);
  g_test_add_func ("/rps-validate/names", test_names);
  g_test_add_func ("/rps-validate/addresses", test_addresses);
  g_test_add_func ("/rps-validate/enums", test_enums);

  return g_test_run ();
}
