/* ob-tls-builtin-ec.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* OpenSSL 3.0 reads the public key of every certificate it parses through
 * its provider decoders, and it builds a new decoder chain for each one:
 * d2i_X509() of the MPS's P-256 certificate takes about 125 µs on this
 * machine, a fifth of a device's whole TLS handshake.  OpenSSL 3.1 keeps
 * such chains.  On 3.0 a key type that has an ENGINE for its methods is
 * read by the built-in codec instead (x509_pubkey_decode()): about 30 µs,
 * and its signatures are checked by the built-in EC method.  The ENGINE
 * made here is only that: it hands out OpenSSL's own EC method.
 *
 * The ENGINE API is deprecated in OpenSSL 3.0, so this file alone is built
 * with the 1.1.1 API. */

#include "config.h"

#undef OPENSSL_NO_DEPRECATED
#undef OPENSSL_API_COMPAT
#define OPENSSL_API_COMPAT 10101
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#ifndef OPENSSL_NO_ENGINE
#include <openssl/engine.h>
#endif

#include "ob-tls-context.h"

#ifndef OPENSSL_NO_ENGINE

static const int ec_nids[] = { EVP_PKEY_EC };

static int
builtin_ec_pkey_methods (ENGINE           *engine,
                         EVP_PKEY_METHOD **method,
                         const int       **nids,
                         int               nid)
{
  if (method == NULL)
    {
      *nids = ec_nids;
      return G_N_ELEMENTS (ec_nids);
    }
  /* The built-in table's own entry, never changed through the ENGINE. */
  *method = nid == EVP_PKEY_EC ? (EVP_PKEY_METHOD *) EVP_PKEY_meth_find (EVP_PKEY_EC) : NULL;
  return *method != NULL;
}

static ENGINE *
builtin_ec_engine (void)
{
  static ENGINE *engine = NULL;

  if (engine == NULL)
    {
      ENGINE *made = ENGINE_new ();

      if (made == NULL
          || ENGINE_set_id (made, "outband-builtin-ec") != 1
          || ENGINE_set_name (made, "OpenSSL's built-in EC key methods") != 1
          || ENGINE_set_pkey_meths (made, builtin_ec_pkey_methods) != 1)
        {
          if (made != NULL)
            ENGINE_free (made);
          ERR_clear_error ();
          return NULL;
        }
      engine = made;
    }
  return engine;
}

#endif

gboolean
ob_tls_set_builtin_ec_keys (gboolean enabled)
{
#ifndef OPENSSL_NO_ENGINE
  static gboolean registered = FALSE;
  static GMutex mutex;
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&mutex);
  ENGINE *engine;

  /* Only 3.0 builds a decoder chain per key. */
  if (OpenSSL_version_num () >= 0x30100000L)
    return FALSE;

  if (enabled == registered)
    return registered;
  engine = builtin_ec_engine ();
  if (engine == NULL)
    return FALSE;
  if (enabled)
    {
      registered = ENGINE_register_pkey_meths (engine) == 1;
      ERR_clear_error ();
    }
  else
    {
      ENGINE_unregister_pkey_meths (engine);
      registered = FALSE;
    }
  return registered;
#else
  return FALSE;
#endif
}
