/* ob-tls-record.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "ob-tls-error.h"
#include "ob-tls-record.h"

#define TYPE_CHANGE_CIPHER_SPEC 20
#define TYPE_ALERT              21
#define TYPE_HANDSHAKE          22
#define TYPE_APPLICATION_DATA   23

#define HANDSHAKE_NEW_SESSION_TICKET 4
#define HANDSHAKE_KEY_UPDATE         24

#define TAG_LEN          16
#define EXPLICIT_NONCE   8    /* TLS 1.2 AES-GCM */
#define NONCE_LEN        12
#define MAX_KEY_LEN      32
#define MAX_SECRET_LEN   48
/* RFC 8446 5.2: the inner plaintext is at most 2^14 + 1 bytes and the
 * record at most 2^14 + 256. */
#define TLS13_MAX_PAYLOAD (16384 + 256)

typedef struct
{
  guint8  key[MAX_KEY_LEN];
  guint8  iv[NONCE_LEN];      /* TLS 1.2 GCM: the 4-byte salt only */
  guint64 seq;
  guint8  secret[MAX_SECRET_LEN];  /* TLS 1.3: for key updates */
} Direction;

struct _ObTlsRecord
{
  ObTlsRecordVersion version;
  ObTlsRecordCipher  cipher;
  char               hash[16];
  guint8             key_len;
  guint8             secret_len;
  Direction          read;
  Direction          write;
};

/* ---- cipher objects, fetched once; one context per thread ------------------ */

static const EVP_CIPHER *
get_cipher (ObTlsRecordCipher cipher)
{
  static gsize once;
  static EVP_CIPHER *ciphers[3];

  if (g_once_init_enter (&once))
    {
      ciphers[OB_TLS_RECORD_AES_128_GCM] = EVP_CIPHER_fetch (NULL, "AES-128-GCM", NULL);
      ciphers[OB_TLS_RECORD_AES_256_GCM] = EVP_CIPHER_fetch (NULL, "AES-256-GCM", NULL);
      ciphers[OB_TLS_RECORD_CHACHA20_POLY1305] = EVP_CIPHER_fetch (NULL, "ChaCha20-Poly1305", NULL);
      g_once_init_leave (&once, 1);
    }
  return ciphers[cipher];
}

static void
free_cipher_ctx (gpointer data)
{
  EVP_CIPHER_CTX_free (data);
}

/* Rekeyed for every record: the connection keeps no context of its own. */
static EVP_CIPHER_CTX *
get_cipher_ctx (void)
{
  static GPrivate ctx_key = G_PRIVATE_INIT (free_cipher_ctx);
  EVP_CIPHER_CTX *ctx = g_private_get (&ctx_key);

  if (ctx == NULL)
    {
      ctx = EVP_CIPHER_CTX_new ();
      g_private_set (&ctx_key, ctx);
    }
  return ctx;
}

static gboolean
set_error (GError     **error,
           const char  *message)
{
  ERR_clear_error ();
  g_set_error_literal (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED, message);
  return FALSE;
}

/* ---- key schedule -------------------------------------------------------------- */

static gboolean
cipher_sizes (ObTlsRecordCipher  cipher,
              guint8            *key_len,
              guint8            *iv_len12)
{
  switch (cipher)
    {
    case OB_TLS_RECORD_AES_128_GCM:
      *key_len = 16;
      *iv_len12 = 4;
      return TRUE;
    case OB_TLS_RECORD_AES_256_GCM:
      *key_len = 32;
      *iv_len12 = 4;
      return TRUE;
    case OB_TLS_RECORD_CHACHA20_POLY1305:
      *key_len = 32;
      *iv_len12 = 12;
      return TRUE;
    default:
      return FALSE;
    }
}

/* The two KDFs, fetched once like the ciphers: a fetch looks the name up
 * in OpenSSL's locked method store, and every hand-over derives four to
 * six keys. */
static EVP_KDF *
get_kdf (const char *name)
{
  static gsize once;
  static EVP_KDF *hkdf;
  static EVP_KDF *tls1_prf;

  if (g_once_init_enter (&once))
    {
      hkdf = EVP_KDF_fetch (NULL, "HKDF", NULL);
      tls1_prf = EVP_KDF_fetch (NULL, "TLS1-PRF", NULL);
      g_once_init_leave (&once, 1);
    }
  if (g_str_equal (name, "HKDF"))
    return hkdf;
  if (g_str_equal (name, "TLS1-PRF"))
    return tls1_prf;
  return NULL;
}

static gboolean
run_kdf (const char     *name,
         OSSL_PARAM     *params,
         guint8         *out,
         gsize           out_len)
{
  EVP_KDF *kdf = get_kdf (name);
  EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new (kdf) : NULL;
  gboolean ok = ctx != NULL && EVP_KDF_derive (ctx, out, out_len, params) > 0;

  EVP_KDF_CTX_free (ctx);
  return ok;
}

/* RFC 8446 7.1: HKDF-Expand-Label(secret, label, "", length). */
static gboolean
expand_label (const char   *hash,
              const guint8 *secret,
              gsize         secret_len,
              const char   *label,
              guint8       *out,
              gsize         out_len)
{
  guint8 info[2 + 1 + 255 + 1];
  gsize label_len = strlen (label);
  gsize info_len = 0;
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[5];

  info[info_len++] = (guint8) (out_len >> 8);
  info[info_len++] = (guint8) out_len;
  info[info_len++] = (guint8) (6 + label_len);
  memcpy (info + info_len, "tls13 ", 6);
  info_len += 6;
  memcpy (info + info_len, label, label_len);
  info_len += label_len;
  info[info_len++] = 0;

  params[0] = OSSL_PARAM_construct_int (OSSL_KDF_PARAM_MODE, &mode);
  params[1] = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) hash, 0);
  params[2] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_KEY, (void *) secret, secret_len);
  params[3] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_INFO, info, info_len);
  params[4] = OSSL_PARAM_construct_end ();
  return run_kdf ("HKDF", params, out, out_len);
}

/* A TLS 1.3 direction's key and IV from its traffic secret. */
static gboolean
tls13_set_keys (ObTlsRecord *self,
                Direction   *direction)
{
  direction->seq = 0;
  return expand_label (self->hash, direction->secret, self->secret_len, "key",
                       direction->key, self->key_len) &&
         expand_label (self->hash, direction->secret, self->secret_len, "iv",
                       direction->iv, NONCE_LEN);
}

/* RFC 8446 7.2: the next generation of a direction's secret. */
static gboolean
tls13_update (ObTlsRecord *self,
              Direction   *direction)
{
  guint8 next[MAX_SECRET_LEN];
  gboolean ok;

  ok = expand_label (self->hash, direction->secret, self->secret_len, "traffic upd",
                     next, self->secret_len);
  if (ok)
    memcpy (direction->secret, next, self->secret_len);
  OPENSSL_cleanse (next, sizeof next);
  return ok && tls13_set_keys (self, direction);
}

static ObTlsRecord *
record_new (ObTlsRecordVersion  version,
            ObTlsRecordCipher   cipher,
            const char         *hash)
{
  ObTlsRecord *self = g_new0 (ObTlsRecord, 1);
  guint8 iv_len;

  self->version = version;
  self->cipher = cipher;
  g_strlcpy (self->hash, hash, sizeof self->hash);
  cipher_sizes (cipher, &self->key_len, &iv_len);
  return self;
}

ObTlsRecord *
ob_tls_record_new_tls12 (ObTlsRecordCipher   cipher,
                         const char         *prf_hash,
                         gboolean            is_server,
                         const guint8       *master_secret,
                         gsize               master_secret_len,
                         const guint8        client_random[32],
                         const guint8        server_random[32],
                         GError            **error)
{
  g_autoptr(ObTlsRecord) self = NULL;
  guint8 seed[13 + 64];
  guint8 block[2 * MAX_KEY_LEN + 2 * NONCE_LEN];
  guint8 key_len, iv_len;
  OSSL_PARAM params[4];
  Direction *client, *server;
  gboolean ok;

  if (!cipher_sizes (cipher, &key_len, &iv_len) || prf_hash == NULL || strlen (prf_hash) >= 16 ||
      master_secret_len == 0 || master_secret_len > 48)
    {
      set_error (error, "The TLS suite cannot be handed over");
      return NULL;
    }

  self = record_new (OB_TLS_RECORD_VERSION_1_2, cipher, prf_hash);

  /* RFC 5246 6.3: key_block = PRF(master, "key expansion",
   * server_random + client_random); AEAD suites have no MAC keys. */
  memcpy (seed, "key expansion", 13);
  memcpy (seed + 13, server_random, 32);
  memcpy (seed + 45, client_random, 32);
  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, (char *) prf_hash, 0);
  params[1] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SECRET, (void *) master_secret,
                                                 master_secret_len);
  params[2] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SEED, seed, sizeof seed);
  params[3] = OSSL_PARAM_construct_end ();
  ok = run_kdf ("TLS1-PRF", params, block, 2 * key_len + 2 * iv_len);

  client = is_server ? &self->read : &self->write;
  server = is_server ? &self->write : &self->read;
  if (ok)
    {
      memcpy (client->key, block, key_len);
      memcpy (server->key, block + key_len, key_len);
      memcpy (client->iv, block + 2 * key_len, iv_len);
      memcpy (server->iv, block + 2 * key_len + iv_len, iv_len);
      /* Each side's Finished was record 0 under these keys. */
      client->seq = 1;
      server->seq = 1;
    }
  OPENSSL_cleanse (block, sizeof block);
  if (!ok)
    {
      set_error (error, "Could not derive the TLS record keys");
      return NULL;
    }
  return g_steal_pointer (&self);
}

ObTlsRecord *
ob_tls_record_new_tls13 (ObTlsRecordCipher   cipher,
                         const char         *hash,
                         gboolean            is_server,
                         const guint8       *client_secret,
                         const guint8       *server_secret,
                         gsize               secret_len,
                         GError            **error)
{
  g_autoptr(ObTlsRecord) self = NULL;
  guint8 key_len, iv_len;
  Direction *client, *server;

  if (!cipher_sizes (cipher, &key_len, &iv_len) || hash == NULL || strlen (hash) >= 16 ||
      secret_len == 0 || secret_len > MAX_SECRET_LEN)
    {
      set_error (error, "The TLS suite cannot be handed over");
      return NULL;
    }

  self = record_new (OB_TLS_RECORD_VERSION_1_3, cipher, hash);
  self->secret_len = (guint8) secret_len;
  client = is_server ? &self->read : &self->write;
  server = is_server ? &self->write : &self->read;
  memcpy (client->secret, client_secret, secret_len);
  memcpy (server->secret, server_secret, secret_len);
  if (!tls13_set_keys (self, client) || !tls13_set_keys (self, server))
    {
      set_error (error, "Could not derive the TLS record keys");
      return NULL;
    }
  return g_steal_pointer (&self);
}

void
ob_tls_record_free (ObTlsRecord *self)
{
  if (self == NULL)
    return;
  OPENSSL_cleanse (self, sizeof *self);
  g_free (self);
}

/* ---- AEAD ------------------------------------------------------------------------ */

static void
put_u64 (guint8  *out,
         guint64  value)
{
  for (int i = 7; i >= 0; i--)
    {
      out[i] = (guint8) value;
      value >>= 8;
    }
}

/* TLS 1.3 and ChaCha20 in TLS 1.2: the IV with the sequence number XORed
 * into its last eight bytes. */
static void
xor_nonce (const Direction *direction,
           guint8           nonce[NONCE_LEN])
{
  guint8 seq[8];

  put_u64 (seq, direction->seq);
  memcpy (nonce, direction->iv, NONCE_LEN);
  for (int i = 0; i < 8; i++)
    nonce[4 + i] ^= seq[i];
}

static gboolean
aead (ObTlsRecord   *self,
      gboolean       encrypt,
      const guint8  *key,
      const guint8   nonce[NONCE_LEN],
      const guint8  *aad,
      gsize          aad_len,
      guint8        *data,
      gsize          len,
      guint8         tag[TAG_LEN])
{
  EVP_CIPHER_CTX *ctx = get_cipher_ctx ();
  const EVP_CIPHER *cipher = get_cipher (self->cipher);
  int out_len = 0;
  int final_len = 0;

  if (ctx == NULL || cipher == NULL || len > G_MAXINT)
    return FALSE;

  if (encrypt)
    return EVP_EncryptInit_ex2 (ctx, cipher, key, nonce, NULL) == 1 &&
           EVP_EncryptUpdate (ctx, NULL, &out_len, aad, (int) aad_len) == 1 &&
           (len == 0 || EVP_EncryptUpdate (ctx, data, &out_len, data, (int) len) == 1) &&
           EVP_EncryptFinal_ex (ctx, data + len, &final_len) == 1 &&
           EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, tag) == 1;

  return EVP_DecryptInit_ex2 (ctx, cipher, key, nonce, NULL) == 1 &&
         EVP_DecryptUpdate (ctx, NULL, &out_len, aad, (int) aad_len) == 1 &&
         (len == 0 || EVP_DecryptUpdate (ctx, data, &out_len, data, (int) len) == 1) &&
         EVP_CIPHER_CTX_ctrl (ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, tag) == 1 &&
         EVP_DecryptFinal_ex (ctx, data + len, &final_len) == 1;
}

/* ---- opening ------------------------------------------------------------------------ */

gssize
ob_tls_record_check_header (ObTlsRecord   *self,
                            const guint8   header[OB_TLS_RECORD_HEADER_LEN],
                            GError       **error)
{
  gsize len = ((gsize) header[3] << 8) | header[4];
  gsize min_len, max_len;

  g_return_val_if_fail (self != NULL, -1);

  if (header[1] != 3 || header[2] != 3)
    {
      set_error (error, "A TLS record with a wrong version");
      return -1;
    }

  if (self->version == OB_TLS_RECORD_VERSION_1_3)
    {
      if (header[0] != TYPE_APPLICATION_DATA)
        {
          set_error (error, "An unprotected TLS record after the handshake");
          return -1;
        }
      min_len = TAG_LEN + 1;
      max_len = TLS13_MAX_PAYLOAD;
    }
  else
    {
      if (header[0] == TYPE_HANDSHAKE)
        {
          set_error (error, "The peer asked to renegotiate TLS, which is refused");
          return -1;
        }
      if (header[0] != TYPE_APPLICATION_DATA && header[0] != TYPE_ALERT)
        {
          set_error (error, "An unexpected TLS record type");
          return -1;
        }
      min_len = TAG_LEN + (self->cipher == OB_TLS_RECORD_CHACHA20_POLY1305 ? 0 : EXPLICIT_NONCE);
      max_len = OB_TLS_RECORD_MAX_PAYLOAD;
    }

  if (len < min_len || len > max_len)
    {
      set_error (error, "A TLS record of an impossible length");
      return -1;
    }
  return (gssize) len;
}

static gboolean
open_alert (const guint8     *content,
            gsize             len,
            ObTlsRecordKind  *kind,
            GError          **error)
{
  if (len != 2)
    return set_error (error, "A malformed TLS alert");
  if (content[1] == 0)
    {
      *kind = OB_TLS_RECORD_CLOSE;
      return TRUE;
    }
  /* A warning (TLS 1.2 only) changes nothing; a fatal alert ends it. */
  if (content[0] == 1)
    {
      *kind = OB_TLS_RECORD_NOTHING;
      return TRUE;
    }
  g_set_error (error, OB_TLS_ERROR, OB_TLS_ERROR_FAILED, "The peer ended TLS with alert %u", content[1]);
  return FALSE;
}

static gboolean seal_inner (ObTlsRecord  *self,
                            guint8        type,
                            const guint8 *data,
                            gsize         len,
                            GByteArray   *out,
                            GError      **error);

/* TLS 1.3 post-handshake messages: tickets are ignored (nothing is
 * resumed), key updates are followed. */
static gboolean
open_handshake (ObTlsRecord      *self,
                const guint8     *content,
                gsize             len,
                GByteArray       *reply,
                GError          **error)
{
  while (len > 0)
    {
      gsize body_len;

      if (len < 4)
        return set_error (error, "A truncated TLS handshake message");
      body_len = ((gsize) content[1] << 16) | ((gsize) content[2] << 8) | content[3];
      if (body_len > len - 4)
        return set_error (error, "A TLS handshake message split across records");

      switch (content[0])
        {
        case HANDSHAKE_NEW_SESSION_TICKET:
          break;

        case HANDSHAKE_KEY_UPDATE:
          if (body_len != 1 || content[4] > 1)
            return set_error (error, "A malformed TLS key update");
          /* RFC 8446 4.6.3: the sender's next records use its new keys;
           * asked for, we answer under our old keys, then switch. */
          if (!tls13_update (self, &self->read))
            return set_error (error, "Could not follow the peer's TLS key update");
          if (content[4] == 1 && reply != NULL)
            {
              static const guint8 update[] = { HANDSHAKE_KEY_UPDATE, 0, 0, 1, 0 };

              if (!seal_inner (self, TYPE_HANDSHAKE, update, sizeof update, reply, error))
                return FALSE;
              if (!tls13_update (self, &self->write))
                return set_error (error, "Could not update the TLS keys");
            }
          break;

        default:
          return set_error (error, "An unexpected TLS handshake message after the handshake");
        }
      content += 4 + body_len;
      len -= 4 + body_len;
    }
  return TRUE;
}

gboolean
ob_tls_record_open (ObTlsRecord      *self,
                    const guint8      header[OB_TLS_RECORD_HEADER_LEN],
                    guint8           *payload,
                    gsize             payload_len,
                    ObTlsRecordKind  *kind,
                    guint8          **plaintext,
                    gsize            *plaintext_len,
                    GByteArray       *reply,
                    GError          **error)
{
  guint8 nonce[NONCE_LEN];
  guint8 aad[13];
  gsize aad_len;
  guint8 *data;
  gsize data_len;
  guint8 type;
  gssize announced;

  g_return_val_if_fail (self != NULL, FALSE);

  announced = ob_tls_record_check_header (self, header, error);
  if (announced < 0)
    return FALSE;
  if ((gsize) announced != payload_len)
    return set_error (error, "A TLS record shorter than its header says");
  if (self->read.seq == G_MAXUINT64)
    return set_error (error, "The TLS connection has run out of sequence numbers");

  type = header[0];
  if (self->version == OB_TLS_RECORD_VERSION_1_3)
    {
      data = payload;
      data_len = payload_len - TAG_LEN;
      xor_nonce (&self->read, nonce);
      memcpy (aad, header, OB_TLS_RECORD_HEADER_LEN);
      aad_len = OB_TLS_RECORD_HEADER_LEN;
    }
  else
    {
      if (self->cipher == OB_TLS_RECORD_CHACHA20_POLY1305)
        {
          data = payload;
          xor_nonce (&self->read, nonce);
        }
      else
        {
          data = payload + EXPLICIT_NONCE;
          memcpy (nonce, self->read.iv, 4);
          memcpy (nonce + 4, payload, EXPLICIT_NONCE);
        }
      data_len = payload_len - (gsize) (data - payload) - TAG_LEN;
      put_u64 (aad, self->read.seq);
      aad[8] = type;
      aad[9] = 3;
      aad[10] = 3;
      aad[11] = (guint8) (data_len >> 8);
      aad[12] = (guint8) data_len;
      aad_len = 13;
    }

  if (!aead (self, FALSE, self->read.key, nonce, aad, aad_len, data, data_len, data + data_len))
    return set_error (error, "A TLS record failed its integrity check");
  self->read.seq++;

  if (self->version == OB_TLS_RECORD_VERSION_1_3)
    {
      /* The inner plaintext: content, its real type, then zero padding. */
      while (data_len > 0 && data[data_len - 1] == 0)
        data_len--;
      if (data_len == 0)
        return set_error (error, "A TLS record without a content type");
      type = data[--data_len];
      if (data_len > OB_TLS_RECORD_MAX_PLAINTEXT)
        return set_error (error, "A TLS record longer than allowed");
    }
  else if (data_len > OB_TLS_RECORD_MAX_PLAINTEXT)
    return set_error (error, "A TLS record longer than allowed");

  *plaintext = NULL;
  *plaintext_len = 0;
  switch (type)
    {
    case TYPE_APPLICATION_DATA:
      *kind = OB_TLS_RECORD_DATA;
      *plaintext = data;
      *plaintext_len = data_len;
      return TRUE;

    case TYPE_ALERT:
      return open_alert (data, data_len, kind, error);

    case TYPE_HANDSHAKE:
      if (self->version != OB_TLS_RECORD_VERSION_1_3)
        return set_error (error, "The peer asked to renegotiate TLS, which is refused");
      *kind = OB_TLS_RECORD_NOTHING;
      return open_handshake (self, data, data_len, reply, error);

    case TYPE_CHANGE_CIPHER_SPEC:
    default:
      return set_error (error, "An unexpected TLS record type");
    }
}

/* ---- sealing ------------------------------------------------------------------------ */

static gboolean
seal_inner (ObTlsRecord   *self,
            guint8         type,
            const guint8  *data,
            gsize          len,
            GByteArray    *out,
            GError       **error)
{
  guint8 nonce[NONCE_LEN];
  guint8 aad[13];
  gsize aad_len;
  gsize start = out->len;
  gsize prefix = 0;
  gsize inner_len = len;
  gsize payload_len;
  guint8 *record;
  guint8 *body;

  if (len > OB_TLS_RECORD_MAX_PLAINTEXT)
    return set_error (error, "Too much data for one TLS record");
  if (self->write.seq == G_MAXUINT64)
    return set_error (error, "The TLS connection has run out of sequence numbers");

  if (self->version == OB_TLS_RECORD_VERSION_1_3)
    inner_len = len + 1;
  else if (self->cipher != OB_TLS_RECORD_CHACHA20_POLY1305)
    prefix = EXPLICIT_NONCE;
  payload_len = prefix + inner_len + TAG_LEN;

  g_byte_array_set_size (out, (guint) (start + OB_TLS_RECORD_HEADER_LEN + payload_len));
  record = out->data + start;
  body = record + OB_TLS_RECORD_HEADER_LEN + prefix;
  record[0] = self->version == OB_TLS_RECORD_VERSION_1_3 ? TYPE_APPLICATION_DATA : type;
  record[1] = 3;
  record[2] = 3;
  record[3] = (guint8) (payload_len >> 8);
  record[4] = (guint8) payload_len;
  if (len > 0)
    memcpy (body, data, len);

  if (self->version == OB_TLS_RECORD_VERSION_1_3)
    {
      body[len] = type;
      xor_nonce (&self->write, nonce);
      memcpy (aad, record, OB_TLS_RECORD_HEADER_LEN);
      aad_len = OB_TLS_RECORD_HEADER_LEN;
    }
  else
    {
      if (prefix != 0)
        {
          /* The explicit part of the GCM nonce: the sequence number,
           * which never repeats under one key. */
          memcpy (nonce, self->write.iv, 4);
          put_u64 (nonce + 4, self->write.seq);
          memcpy (record + OB_TLS_RECORD_HEADER_LEN, nonce + 4, EXPLICIT_NONCE);
        }
      else
        xor_nonce (&self->write, nonce);
      put_u64 (aad, self->write.seq);
      aad[8] = type;
      aad[9] = 3;
      aad[10] = 3;
      aad[11] = (guint8) (len >> 8);
      aad[12] = (guint8) len;
      aad_len = 13;
    }

  if (!aead (self, TRUE, self->write.key, nonce, aad, aad_len, body, inner_len, body + inner_len))
    {
      g_byte_array_set_size (out, (guint) start);
      return set_error (error, "Could not protect a TLS record");
    }
  self->write.seq++;
  return TRUE;
}

gboolean
ob_tls_record_seal (ObTlsRecord   *self,
                    const guint8  *data,
                    gsize          len,
                    GByteArray    *out,
                    GError       **error)
{
  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return seal_inner (self, TYPE_APPLICATION_DATA, data, len, out, error);
}

gboolean
ob_tls_record_seal_close (ObTlsRecord  *self,
                          GByteArray   *out,
                          GError      **error)
{
  static const guint8 close_notify[] = { 1, 0 };

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  return seal_inner (self, TYPE_ALERT, close_notify, sizeof close_notify, out, error);
}
