/* ob-api-server.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-api-error.h"
#include "ob-config.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

/* Where the API's own secrets live: owner OB_SECRET_OWNER_API, this id,
 * kinds OB_SECRET_KIND_API_PASSWORD and OB_SECRET_KIND_JWT_KEY. */
#define OB_API_SECRET_ID "rest-api"

/* The environment variable that overrides the keyring password. */
#define OB_API_PASSWORD_ENV "OUTBAND_API_PASSWORD"

#define OB_API_DEFAULT_TOKEN_LIFETIME 1440      /* minutes, as the MPS */
#define OB_API_DEFAULT_MAX_BODY_SIZE  102400    /* bytes, as Express's JSON parser */
#define OB_API_ISSUER                 "outband"

#define OB_TYPE_API_SERVER (ob_api_server_get_type ())

G_DECLARE_FINAL_TYPE (ObApiServer, ob_api_server, OB, API_SERVER, GObject)

/* The Open AMT-compatible REST API (mps-cira-apf.md §4) on a SoupServer,
 * mounted at /api/v1/…, /mps/api/v1/… and /mps/login/api/v1/authorize.
 * Every route except authorize, health and version needs
 * "Authorization: Bearer <JWT>" from POST /authorize.
 *
 * @registry may be NULL: device records are then served from @store only
 * and every /amt/ route answers 404.  The user name is @config's api-user;
 * the password comes from $OUTBAND_API_PASSWORD or the keyring.
 *
 * Properties: config, store, secret-store, registry (construct only),
 * mps-server (see ob_api_server_set_mps_server), running, port (the bound
 * port, 0 when stopped). */
ObApiServer *ob_api_server_new               (ObConfig             *config,
                                              ObStore              *store,
                                              ObSecretStore        *secrets,
                                              ObDeviceRegistry     *registry);

/* Loads (on first start creates) the JWT signing key in the keyring, checks
 * that a password is set (OB_API_ERROR_NO_PASSWORD otherwise), then listens
 * on @address (an IPv4/IPv6 literal or "localhost") and @port (0: any free
 * port; see ob_api_server_get_port).  Keyring calls run in a worker thread. */
void         ob_api_server_start_async       (ObApiServer          *self,
                                              const char           *address,
                                              guint                 port,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean     ob_api_server_start_finish      (ObApiServer          *self,
                                              GAsyncResult         *result,
                                              GError              **error);

/* Closes the listener and every connection; requests in flight are
 * cancelled.  The server can be started again. */
void         ob_api_server_stop              (ObApiServer          *self);

gboolean     ob_api_server_get_running       (ObApiServer          *self);
guint        ob_api_server_get_port          (ObApiServer          *self);
/* "http://127.0.0.1:3000", "http://[::1]:3000"; NULL when stopped.
 * (transfer full) */
char        *ob_api_server_dup_url           (ObApiServer          *self);

/* Minutes a token from POST /authorize stays valid (default 1440). */
void         ob_api_server_set_token_lifetime (ObApiServer         *self,
                                               guint                minutes);
/* The CIRA listener the device routes ask about connected devices
 * (devices/disconnect, devices/refresh) and whose certificate authority
 * gives the root for GET ciracert.  NULL (the default): no device is
 * connected over CIRA and ciracert answers 500, as the MPS does without
 * its root.  It may change while running (the listener moves to a new
 * port). */
void         ob_api_server_set_mps_server    (ObApiServer          *self,
                                              ObMpsServer          *mps);
ObMpsServer *ob_api_server_get_mps_server    (ObApiServer          *self);

/* Largest request body accepted (default 100 KiB); larger ones get 413. */
void         ob_api_server_set_max_body_size (ObApiServer          *self,
                                              gsize                 bytes);

/* The API password in the keyring, for preferences and
 * `outband --set-api-password`.  An empty or NULL password removes it. */
gboolean     ob_api_store_password_sync      (ObSecretStore        *secrets,
                                              const char           *password,
                                              GCancellable         *cancellable,
                                              GError              **error);

G_END_DECLS
