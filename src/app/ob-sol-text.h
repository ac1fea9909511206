/* ob-sol-text.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text both ways between a serial console and a terminal: the host's bytes
 * as UTF-8 for the terminal, and the function keys of the schemes BIOS
 * console redirection uses (redirection-kvm-sol.md §3.2). */

typedef enum
{
  OB_SOL_CHARSET_AUTO,   /* UTF-8 until the first byte that is not, then code page 437 */
  OB_SOL_CHARSET_UTF8,   /* UTF-8; bytes that are not UTF-8 each as code page 437 */
  OB_SOL_CHARSET_CP437,  /* every byte above 0x7F as code page 437 */
} ObSolCharset;

/* Decodes a host's output for a UTF-8 terminal.  A Linux console writes
 * UTF-8; a BIOS draws its frames in code page 437, where common pairs are
 * also valid UTF-8 ("═╗" is CD BB, U+037B), so no byte-by-byte guess can
 * tell them apart.  AUTO therefore reads UTF-8 until the first sequence
 * that is not (a BIOS frame gives one at once: "╔═" is C9 CD) and code
 * page 437 from there until ob_sol_decoder_reset() (a new boot).  A UTF-8
 * sequence cut by the end of a chunk waits for the next chunk, or for
 * ob_sol_decoder_flush(). */
typedef struct
{
  ObSolCharset charset;
  gboolean     saw_cp437;
  guint8       pending[4];
  guint        n_pending;
} ObSolDecoder;

void        ob_sol_decoder_init        (ObSolDecoder *decoder,
                                        ObSolCharset  charset);
/* Back to UTF-8 in AUTO; drops anything pending. */
void        ob_sol_decoder_reset       (ObSolDecoder *decoder);
/* Whether the bytes now read as code page 437 (CP437, or AUTO after a
 * byte that was not UTF-8). */
gboolean    ob_sol_decoder_is_cp437    (ObSolDecoder *decoder);
/* Appends the text for @length bytes of @data to @out. */
void        ob_sol_decoder_feed        (ObSolDecoder *decoder,
                                        const guint8 *data,
                                        gsize         length,
                                        GString      *out);
/* Appends what is pending as code page 437 (nothing more came). */
void        ob_sol_decoder_flush       (ObSolDecoder *decoder,
                                        GString      *out);
gboolean    ob_sol_decoder_has_pending (ObSolDecoder *decoder);

/* The Unicode character code page 437 shows for @byte. */
gunichar    ob_sol_cp437_to_unichar    (guint8        byte);

/* "auto", "utf-8", "cp437"; FALSE for other names. */
gboolean    ob_sol_charset_from_string (const char   *name,
                                        ObSolCharset *out);
const char *ob_sol_charset_to_string   (ObSolCharset  charset);

typedef enum
{
  OB_SOL_FUNCTION_KEYS_TERMINAL,  /* the terminal's own (xterm) */
  OB_SOL_FUNCTION_KEYS_VT100_PLUS,/* F1-F12: ESC O P … ESC O [ */
  OB_SOL_FUNCTION_KEYS_INTEL,     /* F1-F10: ESC [ O P, Q, w, x, t, u, q, r, p, M */
  OB_SOL_FUNCTION_KEYS_ALTERNATE, /* F1-F12: ESC 1 … ESC 9, ESC 0, ESC !, ESC @ */
} ObSolFunctionKeys;

/* "terminal", "vt100+", "intel", "alternate"; FALSE for other names. */
gboolean    ob_sol_function_keys_from_string (const char        *name,
                                              ObSolFunctionKeys *out);
const char *ob_sol_function_keys_to_string   (ObSolFunctionKeys  scheme);

/* What @scheme sends for F@number (1-12), NULL when the terminal's own
 * sequence is to be used (the terminal scheme, or a key the scheme does
 * not define). */
const char *ob_sol_function_key_sequence     (ObSolFunctionKeys  scheme,
                                              guint              number);

G_END_DECLS
