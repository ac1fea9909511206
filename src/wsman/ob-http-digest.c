/* ob-http-digest.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-util.h"

#include "ob-http-digest.h"

/* ---- auth-param lists (RFC 9110 §11) -------------------------------- */

typedef struct
{
  char       *scheme;
  GHashTable *params; /* lower-case name -> value */
} AuthItem;

static void
auth_item_free (gpointer data)
{
  AuthItem *item = data;

  g_free (item->scheme);
  g_hash_table_unref (item->params);
  g_free (item);
}

static inline gboolean
is_tchar (guchar c)
{
  if (g_ascii_isalnum (c))
    return TRUE;

  return c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

static inline const char *
skip_ws (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static const char *
read_token (const char *p,
            char      **out)
{
  const char *start = p;

  while (is_tchar (*p))
    p++;
  *out = p > start ? g_strndup (start, p - start) : NULL;
  return p;
}

/* quoted-string with backslash escapes; NULL when unterminated. */
static const char *
read_quoted (const char *p,
             char      **out)
{
  GString *value = g_string_new (NULL);

  g_assert (*p == '"');
  p++;
  while (*p != '\0' && *p != '"')
    {
      if (*p == '\\')
        {
          p++;
          if (*p == '\0')
            break;
        }
      g_string_append_c (value, *p);
      p++;
    }

  if (*p != '"')
    {
      g_string_free (value, TRUE);
      *out = NULL;
      return NULL;
    }

  *out = g_string_free (value, FALSE);
  return p + 1;
}

/* "Scheme a=b, c="d", Scheme2 …" -> AuthItems.  A token followed by
 * something other than "=" starts a new challenge.  Duplicate parameters
 * and unterminated quoted strings are errors. */
static GPtrArray *
parse_auth_items (const char  *header,
                  GError     **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (auth_item_free);
  const char *p = header;

  while (TRUE)
    {
      AuthItem *item;
      char *scheme = NULL;

      while (*p == ' ' || *p == '\t' || *p == ',')
        p++;
      if (*p == '\0')
        break;

      p = read_token (p, &scheme);
      if (scheme == NULL)
        {
          g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                               "Malformed authentication header");
          return NULL;
        }

      item = g_new0 (AuthItem, 1);
      item->scheme = scheme;
      item->params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_ptr_array_add (items, item);

      while (TRUE)
        {
          const char *save = p;
          char *name = NULL;
          char *value = NULL;

          while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
          p = read_token (p, &name);
          if (name == NULL)
            {
              if (*p != '\0')
                {
                  /* token68 material ("Negotiate abc/+=="): skip it. */
                  while (*p != '\0' && *p != ',')
                    p++;
                  continue;
                }
              break;
            }

          p = skip_ws (p);
          if (*p != '=')
            {
              /* The start of the next challenge. */
              g_free (name);
              p = save;
              break;
            }
          p = skip_ws (p + 1);

          if (*p == '"')
            {
              p = read_quoted (p, &value);
              if (p == NULL)
                {
                  g_free (name);
                  g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                                       "Unterminated quoted string in an authentication header");
                  return NULL;
                }
            }
          else
            {
              const char *start = p;

              while (is_tchar (*p) || *p == '/' || *p == '=')
                p++;
              value = g_strndup (start, p - start);
            }

          {
            char *lower = g_ascii_strdown (name, -1);

            g_free (name);
            if (g_hash_table_contains (item->params, lower))
              {
                g_free (lower);
                g_free (value);
                g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                                     "Repeated parameter in an authentication header");
                return NULL;
              }
            g_hash_table_insert (item->params, lower, value);
          }

          p = skip_ws (p);
          if (*p == ',')
            p++;
          else if (*p != '\0')
            {
              g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                                   "Malformed authentication header");
              return NULL;
            }
        }
    }

  return g_steal_pointer (&items);
}

static gboolean
list_has (const char *list,
          const char *token)
{
  g_auto(GStrv) parts = g_strsplit (list, ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (parts[i]), token) == 0)
      return TRUE;

  return FALSE;
}

/* ---- hashing -------------------------------------------------------- */

static char *
md5_hex_join (const char *first,
              ...) G_GNUC_NULL_TERMINATED;

/* MD5 of the arguments joined by ':' (lower-case hex).  Hashed piece by
 * piece, so no joined copy of a password is ever made. */
static char *
md5_hex_join (const char *first,
              ...)
{
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_MD5);
  va_list args;
  const char *part = first;
  gboolean sep = FALSE;

  va_start (args, first);
  while (part != NULL)
    {
      if (sep)
        g_checksum_update (checksum, (const guchar *) ":", 1);
      g_checksum_update (checksum, (const guchar *) part, strlen (part));
      sep = TRUE;
      part = va_arg (args, const char *);
    }
  va_end (args);

  return g_strdup (g_checksum_get_string (checksum));
}

char *
ob_http_digest_compute_response (const char *username,
                                 const char *realm,
                                 const char *password,
                                 const char *method,
                                 const char *uri,
                                 const char *nonce,
                                 const char *nc,
                                 const char *cnonce,
                                 const char *qop)
{
  g_autofree char *ha1 = NULL;
  g_autofree char *ha2 = NULL;

  g_return_val_if_fail (username != NULL && realm != NULL && password != NULL, NULL);
  g_return_val_if_fail (method != NULL && uri != NULL && nonce != NULL, NULL);
  g_return_val_if_fail (qop == NULL || (nc != NULL && cnonce != NULL), NULL);

  ha1 = md5_hex_join (username, realm, password, NULL);
  ha2 = md5_hex_join (method, uri, NULL);

  if (qop != NULL)
    return md5_hex_join (ha1, nonce, nc, cnonce, qop, ha2, NULL);

  return md5_hex_join (ha1, nonce, ha2, NULL);
}

/* ---- client side ---------------------------------------------------- */

struct _ObHttpDigestChallenge
{
  grefcount  ref_count;
  char      *realm;
  char      *nonce;
  char      *opaque;
  char      *qop;
  gboolean   stale;
  gboolean   algorithm_given;
  guint32    nc;
};

G_DEFINE_BOXED_TYPE (ObHttpDigestChallenge, ob_http_digest_challenge,
                     ob_http_digest_challenge_ref, ob_http_digest_challenge_unref)

ObHttpDigestChallenge *
ob_http_digest_challenge_ref (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_ref_count_inc (&self->ref_count);
  return self;
}

void
ob_http_digest_challenge_unref (ObHttpDigestChallenge *self)
{
  g_return_if_fail (self != NULL);

  if (!g_ref_count_dec (&self->ref_count))
    return;

  g_free (self->realm);
  g_free (self->nonce);
  g_free (self->opaque);
  g_free (self->qop);
  g_free (self);
}

static ObHttpDigestChallenge *
challenge_from_item (AuthItem  *item,
                     GError   **error)
{
  ObHttpDigestChallenge *self;
  const char *realm = g_hash_table_lookup (item->params, "realm");
  const char *nonce = g_hash_table_lookup (item->params, "nonce");
  const char *qop = g_hash_table_lookup (item->params, "qop");
  const char *algorithm = g_hash_table_lookup (item->params, "algorithm");
  const char *stale = g_hash_table_lookup (item->params, "stale");
  const char *userhash = g_hash_table_lookup (item->params, "userhash");

  if (realm == NULL || nonce == NULL || *nonce == '\0')
    {
      g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                           "The Digest challenge has no realm or nonce");
      return NULL;
    }
  if (algorithm != NULL && g_ascii_strcasecmp (algorithm, "MD5") != 0)
    {
      g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_UNSUPPORTED,
                   "Digest algorithm “%s” is not supported (only MD5)", algorithm);
      return NULL;
    }
  if (qop != NULL && !list_has (qop, "auth"))
    {
      g_set_error (error, OB_HTTP_ERROR, OB_HTTP_ERROR_UNSUPPORTED,
                   "Digest qop “%s” is not supported (only auth)", qop);
      return NULL;
    }
  if (userhash != NULL && g_ascii_strcasecmp (userhash, "true") == 0)
    {
      g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_UNSUPPORTED,
                           "Digest with hashed user names is not supported");
      return NULL;
    }

  self = g_new0 (ObHttpDigestChallenge, 1);
  g_ref_count_init (&self->ref_count);
  self->realm = g_strdup (realm);
  self->nonce = g_strdup (nonce);
  self->opaque = g_strdup (g_hash_table_lookup (item->params, "opaque"));
  self->qop = qop != NULL ? g_strdup ("auth") : NULL;
  self->stale = stale != NULL && g_ascii_strcasecmp (stale, "true") == 0;
  self->algorithm_given = algorithm != NULL;
  return self;
}

ObHttpDigestChallenge *
ob_http_digest_challenge_parse (const char  *header_value,
                                GError     **error)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GError) first_error = NULL;

  g_return_val_if_fail (header_value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  items = parse_auth_items (header_value, error);
  if (items == NULL)
    return NULL;

  for (guint i = 0; i < items->len; i++)
    {
      AuthItem *item = g_ptr_array_index (items, i);
      g_autoptr(GError) local_error = NULL;
      ObHttpDigestChallenge *challenge;

      if (g_ascii_strcasecmp (item->scheme, "Digest") != 0)
        continue;

      challenge = challenge_from_item (item, &local_error);
      if (challenge != NULL)
        return challenge;
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  else
    g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                         "The device does not offer Digest authentication");
  return NULL;
}

ObHttpDigestChallenge *
ob_http_digest_challenge_from_response (ObHttpMessage  *response,
                                        GError        **error)
{
  g_auto(GStrv) values = NULL;
  g_autoptr(GError) first_error = NULL;

  g_return_val_if_fail (response != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  values = ob_http_message_get_header_values (response, "WWW-Authenticate");
  for (guint i = 0; values[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      ObHttpDigestChallenge *challenge = ob_http_digest_challenge_parse (values[i], &local_error);

      if (challenge != NULL)
        return challenge;
      if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  if (first_error != NULL)
    g_propagate_error (error, g_steal_pointer (&first_error));
  else
    g_set_error_literal (error, OB_HTTP_ERROR, OB_HTTP_ERROR_AUTH,
                         "The 401 response has no WWW-Authenticate challenge");
  return NULL;
}

const char *
ob_http_digest_challenge_get_realm (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->realm;
}

const char *
ob_http_digest_challenge_get_nonce (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->nonce;
}

const char *
ob_http_digest_challenge_get_opaque (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->opaque;
}

const char *
ob_http_digest_challenge_get_qop (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->qop;
}

gboolean
ob_http_digest_challenge_get_stale (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->stale;
}

guint32
ob_http_digest_challenge_get_nc (ObHttpDigestChallenge *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->nc;
}

static void
append_quoted (GString    *out,
               const char *name,
               const char *value)
{
  g_string_append_printf (out, "%s=\"", name);
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

char *
ob_http_digest_challenge_authorize (ObHttpDigestChallenge *self,
                                    const char            *username,
                                    const char            *password,
                                    const char            *method,
                                    const char            *uri)
{
  g_autofree char *response = NULL;
  g_autofree char *cnonce = NULL;
  char nc[9];
  GString *out;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (username != NULL && password != NULL, NULL);
  g_return_val_if_fail (method != NULL && uri != NULL, NULL);

  if (self->qop != NULL)
    {
      guint8 raw[16];

      self->nc++;
      g_snprintf (nc, sizeof nc, "%08x", self->nc);
      ob_random_bytes (raw, sizeof raw);
      cnonce = ob_hex_encode (raw, sizeof raw, FALSE);
    }

  response = ob_http_digest_compute_response (username, self->realm, password, method, uri,
                                              self->nonce, nc, cnonce, self->qop);

  out = g_string_new ("Digest ");
  append_quoted (out, "username", username);
  g_string_append_c (out, ',');
  append_quoted (out, "realm", self->realm);
  g_string_append_c (out, ',');
  append_quoted (out, "nonce", self->nonce);
  g_string_append_c (out, ',');
  append_quoted (out, "uri", uri);
  if (self->qop != NULL)
    {
      g_string_append (out, ",qop=\"auth\"");
      g_string_append_c (out, ',');
      append_quoted (out, "response", response);
      g_string_append_printf (out, ",nc=\"%s\"", nc);
      g_string_append_c (out, ',');
      append_quoted (out, "cnonce", cnonce);
    }
  else
    {
      g_string_append_c (out, ',');
      append_quoted (out, "response", response);
    }
  if (self->opaque != NULL)
    {
      g_string_append_c (out, ',');
      append_quoted (out, "opaque", self->opaque);
    }
  if (self->algorithm_given)
    g_string_append (out, ",algorithm=MD5");

  return g_string_free (out, FALSE);
}

/* ---- server side ---------------------------------------------------- */

/* Replay window: each nc is accepted once, and up to 64 below the highest
 * seen, so parallel connections that overtake each other still work. */
#define NC_WINDOW 64
#define MAX_NONCES 4096

typedef struct
{
  gint64  expires_us;
  guint64 max_nc;
  guint64 seen;  /* bit i: max_nc - i was used */
} NonceEntry;

struct _ObHttpDigestServer
{
  char       *realm;
  gint64      lifetime_us;
  GHashTable *nonces; /* char* -> NonceEntry* */
};

ObHttpDigestServer *
ob_http_digest_server_new (const char *realm)
{
  ObHttpDigestServer *self = g_new0 (ObHttpDigestServer, 1);

  if (realm != NULL)
    self->realm = g_strdup (realm);
  else
    {
      guint8 raw[16];
      g_autofree char *hex = NULL;

      ob_random_bytes (raw, sizeof raw);
      hex = ob_hex_encode (raw, sizeof raw, TRUE);
      self->realm = g_strconcat ("Digest:", hex, NULL);
    }
  self->lifetime_us = (gint64) OB_HTTP_DIGEST_DEFAULT_NONCE_LIFETIME_MS * 1000;
  self->nonces = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
ob_http_digest_server_free (ObHttpDigestServer *self)
{
  if (self == NULL)
    return;

  g_free (self->realm);
  g_hash_table_unref (self->nonces);
  g_free (self);
}

const char *
ob_http_digest_server_get_realm (ObHttpDigestServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->realm;
}

void
ob_http_digest_server_set_nonce_lifetime (ObHttpDigestServer *self,
                                          guint               lifetime_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (lifetime_ms > 0);

  self->lifetime_us = (gint64) lifetime_ms * 1000;
}

static void
prune_nonces (ObHttpDigestServer *self,
              gint64              now)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->nonces);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((NonceEntry *) value)->expires_us <= now)
      g_hash_table_iter_remove (&iter);

  /* Still full (a flood of challenges): drop the ones closest to expiry. */
  while (g_hash_table_size (self->nonces) >= MAX_NONCES)
    {
      gpointer oldest_key = NULL;
      gint64 oldest = G_MAXINT64;
      gpointer key;

      g_hash_table_iter_init (&iter, self->nonces);
      while (g_hash_table_iter_next (&iter, &key, &value))
        if (((NonceEntry *) value)->expires_us < oldest)
          {
            oldest = ((NonceEntry *) value)->expires_us;
            oldest_key = key;
          }
      g_hash_table_remove (self->nonces, oldest_key);
    }
}

char *
ob_http_digest_server_make_challenge (ObHttpDigestServer *self,
                                      gboolean            stale)
{
  gint64 now = g_get_monotonic_time ();
  guint8 raw[16];
  char *nonce;
  NonceEntry *entry;

  g_return_val_if_fail (self != NULL, NULL);

  prune_nonces (self, now);

  ob_random_bytes (raw, sizeof raw);
  nonce = ob_hex_encode (raw, sizeof raw, FALSE);
  entry = g_new0 (NonceEntry, 1);
  entry->expires_us = now + self->lifetime_us;
  g_hash_table_insert (self->nonces, nonce, entry);

  /* The spacing is AMT's own. */
  return g_strdup_printf ("Digest realm=\"%s\", nonce=\"%s\",stale=\"%s\",qop=\"auth\"",
                          self->realm, nonce, stale ? "true" : "false");
}

/* Compare two strings without an early exit on the first difference. */
static gboolean
equal_constant_time (const char *a,
                     const char *b)
{
  gsize len_a = strlen (a);
  gsize len_b = strlen (b);
  guint8 diff = len_a != len_b;

  for (gsize i = 0; i < len_a; i++)
    diff |= (guint8) a[i] ^ (guint8) b[len_b > 0 ? i % len_b : 0];

  return diff == 0;
}

static gboolean
parse_nc (const char *text,
          guint64    *out)
{
  guint64 value = 0;

  if (strlen (text) != 8)
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    {
      if (!g_ascii_isxdigit (*p))
        return FALSE;
      value = (value << 4) | g_ascii_xdigit_value (*p);
    }

  *out = value;
  return value > 0;
}

/* Record @nc for @entry; FALSE if it was used already or is too old. */
static gboolean
nonce_entry_use (NonceEntry *entry,
                 guint64     nc)
{
  if (nc > entry->max_nc)
    {
      guint64 shift = nc - entry->max_nc;

      entry->seen = shift >= NC_WINDOW ? 0 : entry->seen << shift;
      entry->seen |= 1;
      entry->max_nc = nc;
      return TRUE;
    }
  else
    {
      guint64 back = entry->max_nc - nc;

      if (back >= NC_WINDOW || (entry->seen & ((guint64) 1 << back)) != 0)
        return FALSE;
      entry->seen |= (guint64) 1 << back;
      return TRUE;
    }
}

/* The check itself, with the account's HA1 (lower-case hex). */
static ObHttpDigestVerdict
verify_with_ha1 (ObHttpDigestServer *self,
                 const char         *authorization,
                 const char         *method,
                 const char         *request_uri,
                 const char         *username,
                 const char         *ha1)
{
  g_autoptr(GPtrArray) items = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *response_lower = NULL;
  AuthItem *item;
  const char *p_username, *p_realm, *p_nonce, *p_uri, *p_response, *p_qop, *p_nc, *p_cnonce,
             *p_algorithm;
  NonceEntry *entry;
  guint64 nc;

  if (authorization == NULL)
    return OB_HTTP_DIGEST_MISSING;

  items = parse_auth_items (authorization, NULL);
  if (items == NULL)
    return OB_HTTP_DIGEST_FAILED;
  if (items->len == 0)
    return OB_HTTP_DIGEST_MISSING;
  item = g_ptr_array_index (items, 0);
  if (g_ascii_strcasecmp (item->scheme, "Digest") != 0)
    return OB_HTTP_DIGEST_MISSING;
  if (items->len != 1)
    return OB_HTTP_DIGEST_FAILED;

  p_username = g_hash_table_lookup (item->params, "username");
  p_realm = g_hash_table_lookup (item->params, "realm");
  p_nonce = g_hash_table_lookup (item->params, "nonce");
  p_uri = g_hash_table_lookup (item->params, "uri");
  p_response = g_hash_table_lookup (item->params, "response");
  p_qop = g_hash_table_lookup (item->params, "qop");
  p_nc = g_hash_table_lookup (item->params, "nc");
  p_cnonce = g_hash_table_lookup (item->params, "cnonce");
  p_algorithm = g_hash_table_lookup (item->params, "algorithm");

  if (p_username == NULL || p_realm == NULL || p_nonce == NULL || p_uri == NULL
      || p_response == NULL || p_qop == NULL || p_nc == NULL || p_cnonce == NULL
      || *p_cnonce == '\0')
    return OB_HTTP_DIGEST_FAILED;
  if (g_ascii_strcasecmp (p_qop, "auth") != 0)
    return OB_HTTP_DIGEST_FAILED;
  if (p_algorithm != NULL && g_ascii_strcasecmp (p_algorithm, "MD5") != 0)
    return OB_HTTP_DIGEST_FAILED;
  if (!parse_nc (p_nc, &nc))
    return OB_HTTP_DIGEST_FAILED;
  if (strcmp (p_realm, self->realm) != 0)
    return OB_HTTP_DIGEST_FAILED;
  if (request_uri != NULL && strcmp (p_uri, request_uri) != 0)
    return OB_HTTP_DIGEST_FAILED;

  {
    g_autofree char *ha2 = md5_hex_join (method, p_uri, NULL);

    expected = md5_hex_join (ha1, p_nonce, p_nc, p_cnonce, "auth", ha2, NULL);
  }
  /* Evaluate both so a wrong user name costs the same as a wrong password. */
  response_lower = g_ascii_strdown (p_response, -1);
  if (!(equal_constant_time (response_lower, expected) & equal_constant_time (p_username, username)))
    return OB_HTTP_DIGEST_FAILED;

  entry = g_hash_table_lookup (self->nonces, p_nonce);
  if (entry == NULL || entry->expires_us <= g_get_monotonic_time ())
    {
      if (entry != NULL)
        g_hash_table_remove (self->nonces, p_nonce);
      return OB_HTTP_DIGEST_STALE;
    }

  if (!nonce_entry_use (entry, nc))
    return OB_HTTP_DIGEST_FAILED;

  return OB_HTTP_DIGEST_OK;
}

ObHttpDigestVerdict
ob_http_digest_server_verify (ObHttpDigestServer *self,
                              const char         *authorization,
                              const char         *method,
                              const char         *request_uri,
                              const char         *username,
                              const char         *password)
{
  g_autofree char *ha1 = NULL;

  g_return_val_if_fail (self != NULL, OB_HTTP_DIGEST_FAILED);
  g_return_val_if_fail (method != NULL && username != NULL && password != NULL, OB_HTTP_DIGEST_FAILED);

  ha1 = md5_hex_join (username, self->realm, password, NULL);
  return verify_with_ha1 (self, authorization, method, request_uri, username, ha1);
}

ObHttpDigestVerdict
ob_http_digest_server_verify_ha1 (ObHttpDigestServer *self,
                                  const char         *authorization,
                                  const char         *method,
                                  const char         *request_uri,
                                  const char         *username,
                                  const char         *ha1)
{
  g_autofree char *ha1_lower = NULL;

  g_return_val_if_fail (self != NULL, OB_HTTP_DIGEST_FAILED);
  g_return_val_if_fail (method != NULL && username != NULL && ha1 != NULL, OB_HTTP_DIGEST_FAILED);

  ha1_lower = g_ascii_strdown (ha1, -1);
  return verify_with_ha1 (self, authorization, method, request_uri, username, ha1_lower);
}

char *
ob_http_digest_dup_username (const char *authorization)
{
  g_autoptr(GPtrArray) items = NULL;
  AuthItem *item;

  if (authorization == NULL)
    return NULL;
  items = parse_auth_items (authorization, NULL);
  if (items == NULL || items->len != 1)
    return NULL;
  item = g_ptr_array_index (items, 0);
  if (g_ascii_strcasecmp (item->scheme, "Digest") != 0)
    return NULL;
  return g_strdup (g_hash_table_lookup (item->params, "username"));
}
