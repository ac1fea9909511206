/* fuzz-driver.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* Runs a libFuzzer target without libFuzzer: every file of the target's
 * committed corpus, then random mutations of them (byte flips, truncation,
 * insertion, splicing) for a few seconds.  This is the smoke run of the
 * normal test suite; `-Dfuzzing=true` builds the real libFuzzer binaries.
 *
 *   fuzz-<target> CORPUS_DIR [SECONDS]
 *
 * Prints TAP so meson counts it like the other tests. */

#include "config.h"

#include <glib.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static GPtrArray *
load_corpus (const char *dir_path)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      char *contents = NULL;
      gsize len = 0;

      if (g_file_get_contents (path, &contents, &len, NULL))
        g_ptr_array_add (inputs, g_bytes_new_take (contents, len));
    }

  /* Always try the degenerate inputs too. */
  g_ptr_array_add (inputs, g_bytes_new_static ("", 0));
  g_ptr_array_add (inputs, g_bytes_new_static ("\0", 1));

  return inputs;
}

/* GByteArray has no insert; it shares GArray's layout, as GLib's own
 * g_byte_array_* wrappers rely on. */
static void
byte_array_insert (GByteArray   *array,
                   guint         index,
                   const guint8 *data,
                   guint         len)
{
  g_array_insert_vals ((GArray *) array, index, data, len);
}

static GBytes *
mutate (GRand     *rand,
        GPtrArray *inputs)
{
  GBytes *base = g_ptr_array_index (inputs, g_rand_int_range (rand, 0, inputs->len));
  gsize len;
  const guint8 *data = g_bytes_get_data (base, &len);
  GByteArray *out = g_byte_array_sized_new (len + 16);
  guint n_mutations = g_rand_int_range (rand, 1, 8);

  g_byte_array_append (out, data, len);

  for (guint m = 0; m < n_mutations; m++)
    {
      switch (g_rand_int_range (rand, 0, 6))
        {
        case 0: /* flip a byte */
          if (out->len > 0)
            out->data[g_rand_int_range (rand, 0, out->len)] ^= (guint8) g_rand_int_range (rand, 1, 256);
          break;
        case 1: /* truncate */
          if (out->len > 0)
            g_byte_array_set_size (out, g_rand_int_range (rand, 0, out->len));
          break;
        case 2: /* insert random bytes */
          {
            guint8 chunk[8];
            guint n = g_rand_int_range (rand, 1, sizeof chunk + 1);
            guint at = out->len > 0 ? g_rand_int_range (rand, 0, out->len + 1) : 0;

            for (guint i = 0; i < n; i++)
              chunk[i] = (guint8) g_rand_int_range (rand, 0, 256);
            byte_array_insert (out, at, chunk, n);
          }
          break;
        case 3: /* duplicate a slice (grows lengths, nesting, repetitions) */
          if (out->len > 1 && out->len < 1 << 20)
            {
              guint from = g_rand_int_range (rand, 0, out->len);
              guint n = g_rand_int_range (rand, 1, MIN (out->len - from, 256) + 1);
              g_autofree guint8 *copy = g_memdup2 (out->data + from, n);

              byte_array_insert (out, g_rand_int_range (rand, 0, out->len + 1), copy, n);
            }
          break;
        case 4: /* interesting values: digits and boundaries */
          if (out->len > 0)
            {
              static const char *const interesting[] = { "0", "-1", "4294967295", "ffffffff",
                                                         "99999999999999999999", "\r\n", "<", ">" };
              const char *v = interesting[g_rand_int_range (rand, 0, G_N_ELEMENTS (interesting))];

              byte_array_insert (out, g_rand_int_range (rand, 0, out->len + 1),
                                        (const guint8 *) v, strlen (v));
            }
          break;
        default: /* splice with another input */
          {
            GBytes *other = g_ptr_array_index (inputs, g_rand_int_range (rand, 0, inputs->len));
            gsize olen;
            const guint8 *odata = g_bytes_get_data (other, &olen);

            if (olen > 0)
              {
                guint from = g_rand_int_range (rand, 0, olen);

                g_byte_array_set_size (out, out->len > 0 ? g_rand_int_range (rand, 0, out->len) : 0);
                g_byte_array_append (out, odata + from, olen - from);
              }
          }
          break;
        }
    }

  return g_byte_array_free_to_bytes (out);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) inputs = NULL;
  g_autoptr(GRand) rand = NULL;
  double seconds = argc > 2 ? g_ascii_strtod (argv[2], NULL) : 3.0;
  gint64 deadline;
  guint64 runs = 0;
  guint32 seed;

  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS_DIR [SECONDS]\n", argv[0]);
      return 2;
    }

  inputs = load_corpus (argv[1]);
  seed = g_getenv ("OB_FUZZ_SEED") != NULL ? (guint32) g_ascii_strtoull (g_getenv ("OB_FUZZ_SEED"), NULL, 10)
                                          : g_random_int ();
  rand = g_rand_new_with_seed (seed);

  g_print ("1..2\n# corpus %s: %u inputs, seed %u (OB_FUZZ_SEED reproduces)\n",
           argv[1], inputs->len, seed);

  for (guint i = 0; i < inputs->len; i++)
    {
      GBytes *input = g_ptr_array_index (inputs, i);
      gsize len;
      const guint8 *data = g_bytes_get_data (input, &len);
      /* A private copy so an over-read hits the sanitizer's redzone. */
      g_autofree guint8 *copy = g_memdup2 (data, len);

      LLVMFuzzerTestOneInput (copy, len);
    }
  g_print ("ok 1 corpus\n");

  deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(GBytes) input = mutate (rand, inputs);
      gsize len;
      const guint8 *data = g_bytes_get_data (input, &len);
      g_autofree guint8 *copy = g_memdup2 (data, len);

      LLVMFuzzerTestOneInput (copy, len);
      runs++;
    }
  g_print ("ok 2 mutations\n# %" G_GUINT64_FORMAT " mutated inputs in %.1f s\n", runs, seconds);

  return 0;
}
