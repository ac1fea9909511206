/* ob-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>
#include <sys/random.h>
#include <errno.h>

#include "ob-error.h"
#include "ob-util.h"

char *
ob_hex_encode (const guint8 *data,
               gsize         len,
               gboolean      upper_case)
{
  const char *digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
  char *out = g_malloc (len * 2 + 1);

  for (gsize i = 0; i < len; i++)
    {
      out[i * 2] = digits[data[i] >> 4];
      out[i * 2 + 1] = digits[data[i] & 0xf];
    }
  out[len * 2] = '\0';

  return out;
}

GBytes *
ob_hex_decode (const char  *hex,
               GError     **error)
{
  g_autoptr(GByteArray) bytes = NULL;
  gsize len;

  g_return_val_if_fail (hex != NULL, NULL);

  len = strlen (hex);
  if (len % 2 != 0)
    {
      g_set_error (error, OB_ERROR, OB_ERROR_INVALID_ARGUMENT,
                   "Hexadecimal text has an odd number of digits");
      return NULL;
    }

  bytes = g_byte_array_sized_new (len / 2);
  for (gsize i = 0; i < len; i += 2)
    {
      int hi = g_ascii_xdigit_value (hex[i]);
      int lo = g_ascii_xdigit_value (hex[i + 1]);
      guint8 b;

      if (hi < 0 || lo < 0)
        {
          g_set_error (error, OB_ERROR, OB_ERROR_INVALID_ARGUMENT,
                       "Hexadecimal text contains a non-hex character at offset %" G_GSIZE_FORMAT,
                       hi < 0 ? i : i + 1);
          return NULL;
        }
      b = (guint8) ((hi << 4) | lo);
      g_byte_array_append (bytes, &b, 1);
    }

  return g_byte_array_free_to_bytes (g_steal_pointer (&bytes));
}

/* Accepts the canonical 8-4-4-4-12 form, either case. */
gboolean
ob_uuid_parse (const char *text,
               guint8      out_bytes[16])
{
  gsize n = 0;

  if (text == NULL || strlen (text) != 36)
    return FALSE;

  for (gsize i = 0; i < 36;)
    {
      int hi, lo;

      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (text[i] != '-')
            return FALSE;
          i++;
          continue;
        }

      hi = g_ascii_xdigit_value (text[i]);
      lo = g_ascii_xdigit_value (text[i + 1]);
      if (hi < 0 || lo < 0)
        return FALSE;
      if (out_bytes != NULL)
        out_bytes[n] = (guint8) ((hi << 4) | lo);
      n++;
      i += 2;
    }

  return n == 16;
}

gboolean
ob_uuid_is_valid (const char *text)
{
  return ob_uuid_parse (text, NULL);
}

char *
ob_uuid_to_string (const guint8 bytes[16])
{
  return g_strdup_printf ("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                          bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5],
                          bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11],
                          bytes[12], bytes[13], bytes[14], bytes[15]);
}

/* AMT sends its GUID in SMBIOS order: the first three fields little-endian.
 * The swap is its own inverse. */
void
ob_uuid_swap_smbios_order (guint8 bytes[16])
{
  guint8 t;

  t = bytes[0]; bytes[0] = bytes[3]; bytes[3] = t;
  t = bytes[1]; bytes[1] = bytes[2]; bytes[2] = t;
  t = bytes[4]; bytes[4] = bytes[5]; bytes[5] = t;
  t = bytes[6]; bytes[6] = bytes[7]; bytes[7] = t;
}

void
ob_random_bytes (guint8 *buf,
                 gsize   len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t r = getrandom (buf + done, len - done, 0);

      if (r < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom() failed: %s", g_strerror (errno));
        }
      done += (gsize) r;
    }
}

/* A password AMT accepts: 16 characters with at least one upper, lower,
 * digit and special character from the set AMT's strength rule counts. */
char *
ob_random_password (void)
{
  static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!@#$%^*";
  const gsize n = sizeof alphabet - 1;
  char *out = g_malloc0 (17);

  for (;;)
    {
      guint8 raw[16];
      gboolean upper = FALSE, lower = FALSE, digit = FALSE, special = FALSE;

      ob_random_bytes (raw, sizeof raw);
      for (gsize i = 0; i < 16; i++)
        {
          /* 256 % 67 bias is irrelevant for passwords of this length, but
           * rejection sampling costs nothing, so do it right. */
          guint8 b = raw[i];

          while (b >= 256 - (256 % n))
            ob_random_bytes (&b, 1);
          out[i] = alphabet[b % n];
          upper |= g_ascii_isupper (out[i]);
          lower |= g_ascii_islower (out[i]);
          digit |= g_ascii_isdigit (out[i]);
          special |= strchr ("!@#$%^*", out[i]) != NULL;
        }
      ob_secure_clear (raw, sizeof raw);

      if (upper && lower && digit && special)
        return out;
    }
}

void
ob_secure_clear (void  *buf,
                 gsize  len)
{
  if (buf != NULL && len > 0)
    explicit_bzero (buf, len);
}

void
ob_secure_free_string (char *str)
{
  if (str != NULL)
    {
      ob_secure_clear (str, strlen (str));
      g_free (str);
    }
}

typedef struct
{
  guint8 *data;
  gsize   len;
} WipedBuffer;

static void
wiped_buffer_free (gpointer user_data)
{
  WipedBuffer *buf = user_data;

  ob_secure_clear (buf->data, buf->len);
  g_free (buf->data);
  g_free (buf);
}

/* A copy of a secret's bytes that is wiped when the last reference goes. */
GBytes *
ob_secure_bytes_copy (GBytes *value)
{
  WipedBuffer *buf = g_new0 (WipedBuffer, 1);
  const guint8 *data = g_bytes_get_data (value, &buf->len);

  buf->data = g_malloc (MAX (buf->len, 1));
  if (buf->len > 0)
    memcpy (buf->data, data, buf->len);

  return g_bytes_new_with_free_func (buf->data, buf->len, wiped_buffer_free, buf);
}

/* The address devices should use to reach this machine: the first IPv4
 * address of an interface that is up and not loopback, else "localhost". */
char *
ob_get_primary_address (void)
{
  struct ifaddrs *ifa_list = NULL;
  char *result = NULL;

  if (getifaddrs (&ifa_list) != 0)
    return g_strdup ("localhost");

  for (struct ifaddrs *ifa = ifa_list; ifa != NULL; ifa = ifa->ifa_next)
    {
      char buf[INET_ADDRSTRLEN];

      if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET)
        continue;
      if ((ifa->ifa_flags & IFF_UP) == 0 || (ifa->ifa_flags & IFF_LOOPBACK) != 0)
        continue;
      if (inet_ntop (AF_INET, &((struct sockaddr_in *) (void *) ifa->ifa_addr)->sin_addr,
                     buf, sizeof buf) == NULL)
        continue;
      result = g_strdup (buf);
      break;
    }

  freeifaddrs (ifa_list);

  return result != NULL ? result : g_strdup ("localhost");
}

/* $XDG_DATA_HOME/outband, created on demand with private permissions. */
char *
ob_get_data_dir (void)
{
  char *dir = g_build_filename (g_get_user_data_dir (), "outband", NULL);

  g_mkdir_with_parents (dir, 0700);

  return dir;
}

/* A g_get_real_time() value (microseconds since the epoch, UTC) as a
 * GDateTime, and back; GLib has these only from 2.80.  NULL for a time
 * GDateTime cannot hold; 0 for NULL. */
GDateTime *
ob_date_time_new_from_real_time (gint64 usec)
{
  g_autoptr(GDateTime) seconds = NULL;
  gint64 secs = usec / G_USEC_PER_SEC;
  gint64 rest = usec % G_USEC_PER_SEC;

  if (rest < 0)
    {
      secs--;
      rest += G_USEC_PER_SEC;
    }

  seconds = g_date_time_new_from_unix_utc (secs);
  if (seconds == NULL)
    return NULL;

  return g_date_time_add (seconds, rest);
}

gint64
ob_date_time_to_real_time (GDateTime *when)
{
  if (when == NULL)
    return 0;

  return g_date_time_to_unix (when) * G_USEC_PER_SEC + g_date_time_get_microsecond (when);
}
