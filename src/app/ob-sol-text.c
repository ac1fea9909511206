/* ob-sol-text.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-sol-text.h"

/* Code page 437 from 0x80 to 0xFF. */
static const char cp437_high[] =
  "ÇüéâäàåçêëèïîìÄÅ"
  "ÉæÆôöòûùÿÖÜ¢£¥₧ƒ"
  "áíóúñÑªº¿⌐¬½¼¡«»"
  "░▒▓│┤╡╢╖╕╣║╗╝╜╛┐"
  "└┴┬├─┼╞╟╚╔╩╦╠═╬╧"
  "╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀"
  "αßΓπΣσµτΦΘΩδ∞φε∩"
  "≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\xc2\xa0";

static gunichar cp437_table[128];

static void
ensure_cp437_table (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      const char *p = cp437_high;

      for (guint i = 0; i < G_N_ELEMENTS (cp437_table); i++)
        {
          cp437_table[i] = g_utf8_get_char (p);
          p = g_utf8_next_char (p);
        }
      g_assert (*p == '\0');
      g_once_init_leave (&done, 1);
    }
}

gunichar
ob_sol_cp437_to_unichar (guint8 byte)
{
  if (byte < 0x80)
    return byte;
  ensure_cp437_table ();
  return cp437_table[byte - 0x80];
}

static void
append_cp437 (GString *out,
              guint8   byte)
{
  if (byte < 0x80)
    g_string_append_c (out, (char) byte);
  else
    g_string_append_unichar (out, ob_sol_cp437_to_unichar (byte));
}

/* Length of the UTF-8 sequence @lead starts, 0 if it cannot start one. */
static guint
utf8_sequence_length (guint8 lead)
{
  if (lead >= 0xC2 && lead <= 0xDF)
    return 2;
  if (lead >= 0xE0 && lead <= 0xEF)
    return 3;
  if (lead >= 0xF0 && lead <= 0xF4)
    return 4;
  return 0;
}

static const char *charset_names[] = {
  [OB_SOL_CHARSET_AUTO] = "auto",
  [OB_SOL_CHARSET_UTF8] = "utf-8",
  [OB_SOL_CHARSET_CP437] = "cp437",
};

gboolean
ob_sol_charset_from_string (const char   *name,
                            ObSolCharset *out)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (charset_names); i++)
    if (g_str_equal (name, charset_names[i]))
      {
        if (out != NULL)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *
ob_sol_charset_to_string (ObSolCharset charset)
{
  g_return_val_if_fail (charset < G_N_ELEMENTS (charset_names), NULL);

  return charset_names[charset];
}

void
ob_sol_decoder_init (ObSolDecoder *decoder,
                     ObSolCharset  charset)
{
  g_return_if_fail (decoder != NULL);
  g_return_if_fail (charset <= OB_SOL_CHARSET_CP437);

  decoder->charset = charset;
  decoder->saw_cp437 = FALSE;
  decoder->n_pending = 0;
}

void
ob_sol_decoder_reset (ObSolDecoder *decoder)
{
  g_return_if_fail (decoder != NULL);

  decoder->saw_cp437 = FALSE;
  decoder->n_pending = 0;
}

gboolean
ob_sol_decoder_is_cp437 (ObSolDecoder *decoder)
{
  g_return_val_if_fail (decoder != NULL, FALSE);

  return decoder->charset == OB_SOL_CHARSET_CP437 ||
         (decoder->charset == OB_SOL_CHARSET_AUTO && decoder->saw_cp437);
}

gboolean
ob_sol_decoder_has_pending (ObSolDecoder *decoder)
{
  g_return_val_if_fail (decoder != NULL, FALSE);

  return decoder->n_pending > 0;
}

void
ob_sol_decoder_flush (ObSolDecoder *decoder,
                      GString      *out)
{
  g_return_if_fail (decoder != NULL);
  g_return_if_fail (out != NULL);

  for (guint i = 0; i < decoder->n_pending; i++)
    append_cp437 (out, decoder->pending[i]);
  if (decoder->n_pending > 0)
    decoder->saw_cp437 = TRUE;
  decoder->n_pending = 0;
}

void
ob_sol_decoder_feed (ObSolDecoder *decoder,
                     const guint8 *data,
                     gsize         length,
                     GString      *out)
{
  g_return_if_fail (decoder != NULL);
  g_return_if_fail (data != NULL || length == 0);
  g_return_if_fail (out != NULL);

  for (gsize i = 0; i < length; i++)
    {
      guint8 byte = data[i];

      if (decoder->n_pending > 0)
        {
          guint want = utf8_sequence_length (decoder->pending[0]);

          if ((byte & 0xC0) == 0x80)
            {
              decoder->pending[decoder->n_pending++] = byte;
              if (decoder->n_pending < want)
                continue;
              /* Complete: overlong forms and surrogates are not UTF-8. */
              if (g_utf8_validate ((const char *) decoder->pending, want, NULL))
                {
                  g_string_append_len (out, (const char *) decoder->pending, want);
                  decoder->n_pending = 0;
                }
              else
                ob_sol_decoder_flush (decoder, out);
              continue;
            }

          /* Not a continuation: what was pending was not UTF-8. */
          ob_sol_decoder_flush (decoder, out);
        }

      if (byte < 0x80)
        g_string_append_c (out, (char) byte);
      else if (!ob_sol_decoder_is_cp437 (decoder) && utf8_sequence_length (byte) > 0)
        decoder->pending[decoder->n_pending++] = byte;
      else
        {
          append_cp437 (out, byte);
          decoder->saw_cp437 = TRUE;
        }
    }
}

/* Function keys */

static const char *scheme_names[] = {
  [OB_SOL_FUNCTION_KEYS_TERMINAL] = "terminal",
  [OB_SOL_FUNCTION_KEYS_VT100_PLUS] = "vt100+",
  [OB_SOL_FUNCTION_KEYS_INTEL] = "intel",
  [OB_SOL_FUNCTION_KEYS_ALTERNATE] = "alternate",
};

gboolean
ob_sol_function_keys_from_string (const char        *name,
                                  ObSolFunctionKeys *out)
{
  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (scheme_names); i++)
    if (g_str_equal (name, scheme_names[i]))
      {
        if (out != NULL)
          *out = i;
        return TRUE;
      }
  return FALSE;
}

const char *
ob_sol_function_keys_to_string (ObSolFunctionKeys scheme)
{
  g_return_val_if_fail (scheme < G_N_ELEMENTS (scheme_names), NULL);

  return scheme_names[scheme];
}

const char *
ob_sol_function_key_sequence (ObSolFunctionKeys scheme,
                              guint             number)
{
  static const char *vt100_plus[] = {
    "\033OP", "\033OQ", "\033OR", "\033OS", "\033OT", "\033OU",
    "\033OV", "\033OW", "\033OX", "\033OY", "\033OZ", "\033O[",
  };
  static const char *intel[] = {
    "\033[OP", "\033[OQ", "\033[Ow", "\033[Ox", "\033[Ot",
    "\033[Ou", "\033[Oq", "\033[Or", "\033[Op", "\033[OM",
  };
  static const char *alternate[] = {
    "\0331", "\0332", "\0333", "\0334", "\0335", "\0336",
    "\0337", "\0338", "\0339", "\0330", "\033!", "\033@",
  };

  if (number < 1)
    return NULL;

  switch (scheme)
    {
    case OB_SOL_FUNCTION_KEYS_VT100_PLUS:
      return number <= G_N_ELEMENTS (vt100_plus) ? vt100_plus[number - 1] : NULL;
    case OB_SOL_FUNCTION_KEYS_INTEL:
      return number <= G_N_ELEMENTS (intel) ? intel[number - 1] : NULL;
    case OB_SOL_FUNCTION_KEYS_ALTERNATE:
      return number <= G_N_ELEMENTS (alternate) ? alternate[number - 1] : NULL;
    case OB_SOL_FUNCTION_KEYS_TERMINAL:
    default:
      return NULL;
    }
}
