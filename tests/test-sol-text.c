/* test-sol-text.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-sol-text.h"

/* Feeds @data split after each offset in @cuts (ascending, -1 ends). */
static char *
decode_charset (ObSolCharset  charset,
                const char   *data,
                gsize         length,
                const int    *cuts)
{
  ObSolDecoder decoder;
  GString *out = g_string_new (NULL);
  gsize start = 0;

  ob_sol_decoder_init (&decoder, charset);
  for (guint i = 0; cuts != NULL && cuts[i] >= 0; i++)
    {
      ob_sol_decoder_feed (&decoder, (const guint8 *) data + start, cuts[i] - start, out);
      start = cuts[i];
    }
  ob_sol_decoder_feed (&decoder, (const guint8 *) data + start, length - start, out);
  ob_sol_decoder_flush (&decoder, out);
  g_assert_false (ob_sol_decoder_has_pending (&decoder));
  g_assert_true (g_utf8_validate (out->str, out->len, NULL));
  return g_string_free (out, FALSE);
}

static char *
decode_in_pieces (const char *data,
                  gsize       length,
                  const int  *cuts)
{
  return decode_charset (OB_SOL_CHARSET_AUTO, data, length, cuts);
}

static char *
decode (const char *data,
        gsize       length)
{
  return decode_in_pieces (data, length, NULL);
}

static void
test_ascii_and_utf8_pass (void)
{
  const char *text = "\033[1;1Hlogin: Jürgen → ✓ 😀\r\n";
  g_autofree char *out = decode (text, strlen (text));

  g_assert_cmpstr (out, ==, text);
}

static void
test_cp437 (void)
{
  /* A BIOS frame: ╔══╗ / ║░▒▓║ / ╚══╝, and text with é in code page 437. */
  const char frame[] = "\xC9\xCD\xCD\xBB\r\n\xBA\xB0\xB1\xB2\xBA\r\n\xC8\xCD\xCD\xBC caf\x82 \xFE\xFF";
  g_autofree char *out = decode (frame, sizeof frame - 1);

  g_assert_cmpstr (out, ==, "╔══╗\r\n║░▒▓║\r\n╚══╝ café ■\xc2\xa0");
  g_assert_cmpuint (ob_sol_cp437_to_unichar (0x80), ==, 0x00C7);
  g_assert_cmpuint (ob_sol_cp437_to_unichar (0xC4), ==, 0x2500);
  g_assert_cmpuint (ob_sol_cp437_to_unichar (0xDB), ==, 0x2588);
  g_assert_cmpuint (ob_sol_cp437_to_unichar (0xE1), ==, 0x00DF);
  g_assert_cmpuint (ob_sol_cp437_to_unichar ('A'), ==, 'A');
}

/* Overlong forms, surrogates, bytes past U+10FFFF and lone continuation
 * bytes are not UTF-8: each byte is code page 437. */
static void
test_invalid_utf8_is_cp437 (void)
{
  struct { const char *in; const char *want; } cases[] = {
    { "\xC0\x80", "└Ç" },
    { "\xE0\x80\x80", "αÇÇ" },
    { "\xED\xA0\x80", "φáÇ" },
    { "\xF4\x90\x80\x80", "⌠ÉÇÇ" },
    { "\xF5\x80", "⌡Ç" },
    { "\x80x", "Çx" },
    { "\xE2\x94", "Γö" },          /* cut short, nothing follows */
    { "\xE2\x94" "A", "ΓöA" },      /* cut short by ASCII */
    { "\xC3\xC3\xA9", "├├⌐" },      /* a lead after a lead, then code page 437 */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = decode (cases[i].in, strlen (cases[i].in));

      g_assert_cmpstr (out, ==, cases[i].want);
    }
}

/* "═╗" is also valid UTF-8: automatic reads it as UTF-8 at first, code
 * page 437 after a byte that was not UTF-8, until reset; the fixed
 * charsets do as they say. */
static void
test_charsets (void)
{
  const char corner[] = "\xCD\xBB";
  g_autofree char *auto_first = decode (corner, 2);
  g_autofree char *fixed = decode_charset (OB_SOL_CHARSET_CP437, corner, 2, NULL);
  g_autofree char *utf8 = decode_charset (OB_SOL_CHARSET_UTF8, "\xC9\xCD\xBB", 3, NULL);
  ObSolDecoder decoder;
  g_autoptr(GString) out = g_string_new (NULL);
  ObSolCharset charset = OB_SOL_CHARSET_AUTO;

  g_assert_cmpstr (auto_first, ==, "\xCD\xBB");
  g_assert_cmpstr (fixed, ==, "═╗");
  /* UTF-8 only: C9 is not followed by a continuation, CD BB is UTF-8. */
  g_assert_cmpstr (utf8, ==, "╔\xCD\xBB");

  ob_sol_decoder_init (&decoder, OB_SOL_CHARSET_AUTO);
  ob_sol_decoder_feed (&decoder, (const guint8 *) "caf\xC3\xA9 ", 6, out);
  g_assert_false (ob_sol_decoder_is_cp437 (&decoder));
  ob_sol_decoder_feed (&decoder, (const guint8 *) "\xC9\xCD", 2, out);
  g_assert_true (ob_sol_decoder_is_cp437 (&decoder));
  ob_sol_decoder_feed (&decoder, (const guint8 *) "\xCD\xBB", 2, out);
  g_assert_cmpstr (out->str, ==, "café ╔══╗");
  ob_sol_decoder_reset (&decoder);
  g_assert_false (ob_sol_decoder_is_cp437 (&decoder));
  ob_sol_decoder_feed (&decoder, (const guint8 *) "\xCD\xBB", 2, out);
  g_assert_cmpstr (out->str, ==, "café ╔══╗\xCD\xBB");

  g_assert_true (ob_sol_charset_from_string ("cp437", &charset));
  g_assert_cmpint (charset, ==, OB_SOL_CHARSET_CP437);
  g_assert_cmpstr (ob_sol_charset_to_string (OB_SOL_CHARSET_UTF8), ==, "utf-8");
  g_assert_false (ob_sol_charset_from_string ("latin1", &charset));
}

/* A UTF-8 character split over frames arrives whole. */
static void
test_split_sequences (void)
{
  const char *text = "a─b😀c";   /* ─ is 3 bytes at 1, 😀 4 bytes at 5 */
  int cuts_a[] = { 2, 3, 6, 7, 8, -1 };
  int cuts_b[] = { 1, 4, 5, 9, -1 };
  g_autofree char *a = decode_in_pieces (text, strlen (text), cuts_a);
  g_autofree char *b = decode_in_pieces (text, strlen (text), cuts_b);
  ObSolDecoder decoder;
  g_autoptr(GString) out = g_string_new (NULL);

  g_assert_cmpstr (a, ==, text);
  g_assert_cmpstr (b, ==, text);

  /* Pending until more comes or a flush. */
  ob_sol_decoder_init (&decoder, OB_SOL_CHARSET_AUTO);
  ob_sol_decoder_feed (&decoder, (const guint8 *) "x\xC9", 2, out);
  g_assert_cmpstr (out->str, ==, "x");
  g_assert_true (ob_sol_decoder_has_pending (&decoder));
  ob_sol_decoder_flush (&decoder, out);
  g_assert_cmpstr (out->str, ==, "x╔");
  g_assert_false (ob_sol_decoder_has_pending (&decoder));
}

/* Every byte value, in every chunking of two: valid UTF-8 out, no crash. */
static void
test_all_bytes (void)
{
  guint8 all[512];

  for (guint i = 0; i < sizeof all; i++)
    {
      all[i] = (guint8) (i * 7 + (i >> 8));
      /* NUL passes through too, but g_utf8_validate() stops at it. */
      if (all[i] == 0)
        all[i] = ' ';
    }

  for (int cut = 0; cut <= (int) sizeof all; cut += 13)
    {
      int cuts[] = { cut, -1 };
      for (ObSolCharset charset = OB_SOL_CHARSET_AUTO; charset <= OB_SOL_CHARSET_CP437; charset++)
        {
          g_autofree char *out = decode_charset (charset, (const char *) all, sizeof all, cuts);

          g_assert_cmpuint (strlen (out), >=, sizeof all);
        }
    }
}

static void
test_function_keys (void)
{
  ObSolFunctionKeys scheme = OB_SOL_FUNCTION_KEYS_TERMINAL;

  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_VT100_PLUS, 1), ==, "\033OP");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_VT100_PLUS, 10), ==, "\033OY");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_VT100_PLUS, 12), ==, "\033O[");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_INTEL, 2), ==, "\033[OQ");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_INTEL, 10), ==, "\033[OM");
  g_assert_null (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_INTEL, 11));
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_ALTERNATE, 1), ==, "\0331");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_ALTERNATE, 10), ==, "\0330");
  g_assert_cmpstr (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_ALTERNATE, 12), ==, "\033@");
  g_assert_null (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_TERMINAL, 5));
  g_assert_null (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_VT100_PLUS, 0));
  g_assert_null (ob_sol_function_key_sequence (OB_SOL_FUNCTION_KEYS_VT100_PLUS, 13));

  g_assert_true (ob_sol_function_keys_from_string ("intel", &scheme));
  g_assert_cmpint (scheme, ==, OB_SOL_FUNCTION_KEYS_INTEL);
  g_assert_cmpstr (ob_sol_function_keys_to_string (OB_SOL_FUNCTION_KEYS_VT100_PLUS), ==, "vt100+");
  g_assert_false (ob_sol_function_keys_from_string ("vt52", &scheme));
  g_assert_false (ob_sol_function_keys_from_string (NULL, &scheme));
  g_assert_cmpint (scheme, ==, OB_SOL_FUNCTION_KEYS_INTEL);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sol-text/utf8", test_ascii_and_utf8_pass);
  g_test_add_func ("/sol-text/cp437", test_cp437);
  g_test_add_func ("/sol-text/invalid-utf8", test_invalid_utf8_is_cp437);
  g_test_add_func ("/sol-text/charsets", test_charsets);
  g_test_add_func ("/sol-text/split", test_split_sequences);
  g_test_add_func ("/sol-text/all-bytes", test_all_bytes);
  g_test_add_func ("/sol-text/function-keys", test_function_keys);

  return g_test_run ();
}
