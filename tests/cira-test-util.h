/* cira-test-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-cert-authority.h"
#include "ob-config.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

/* What the CIRA tests (test-mps-server, test-cira-devices, test-api-cira)
 * share: one certificate authority and in-memory keyring per test binary
 * (the CA's keys take seconds to make), one MPS set-up per test (a store
 * in a new directory, a loaded registry, an ObMpsServer on 127.0.0.1 with
 * a free port), and the main-loop waits they all use. */

/* ---- main loop ------------------------------------------------------------ */

typedef gboolean (*CiraTestCondition) (gpointer data);

/* Iterates the global default main context until @cond holds or
 * @timeout_ms passed; returns @cond's last answer. */
gboolean      cira_test_wait_until       (CiraTestCondition  cond,
                                          gpointer           data,
                                          guint              timeout_ms);
/* Iterates the main context for @ms. */
void          cira_test_spin_ms          (guint              ms);
/* Conditions on a gpointer (or gboolean) variable. */
gboolean      cira_test_pointer_is_set   (gpointer           data);
gboolean      cira_test_pointer_is_null  (gpointer           data);
gboolean      cira_test_flag_is_set      (gpointer           data);
/* A GAsyncReadyCallback that keeps a reference to the result in the
 * GAsyncResult * @user_data points to. */
void          cira_test_store_result     (GObject           *source,
                                          GAsyncResult      *result,
                                          gpointer           user_data);
/* Waits (20 s at most, else the test fails) for cira_test_store_result to
 * fill @slot.  (transfer none) */
GAsyncResult *cira_test_wait_result      (GAsyncResult     **slot);
/* Drops the caller's reference and waits until the object is gone. */
void          cira_test_assert_finalized (gpointer           object);
/* Deletes @path and the files directly in it. */
void          cira_test_remove_tree      (const char        *path);

/* ---- the certificate authority and the keyring ------------------------------- */

typedef struct
{
  ObSecretStore   *secrets;     /* in memory */
  ObCertAuthority *authority;
  char            *dir;
  char            *root_pem;
} CiraTestCa;

/* Makes the keyring and the CA (server certificate for @common_name) in a
 * new temporary directory. */
void          cira_test_ca_init          (CiraTestCa        *ca,
                                          const char        *common_name);
void          cira_test_ca_clear         (CiraTestCa        *ca);
/* The root as the devices trust it.  (transfer full) */
GTlsCertificate *cira_test_ca_dup_root   (CiraTestCa        *ca);

/* ---- one MPS ---------------------------------------------------------------- */

typedef struct
{
  char             *dir;
  ObStore          *store;
  ObConfig         *config;
  ObDeviceRegistry *registry;
  ObMpsServer      *server;
} CiraTestMps;

/* A store in a new directory, a default config, a loaded registry over
 * @secrets and an ObMpsServer with @authority; started on 127.0.0.1 port
 * 0 when @start (else call cira_test_mps_start after changing settings). */
void          cira_test_mps_init         (CiraTestMps       *mps,
                                          ObSecretStore     *secrets,
                                          ObCertAuthority   *authority,
                                          gboolean           start);
void          cira_test_mps_start        (CiraTestMps       *mps);
/* Stops the server, checks that the server and the registry are freed,
 * and deletes the store and its directory. */
void          cira_test_mps_clear        (CiraTestMps       *mps);

/* A CIRA device in the store (tags "lab", host name "cira-host",
 * @friendly_name unless NULL) with its MPS and AMT passwords in @secrets
 * (either NULL: none). */
void          cira_test_register_device  (CiraTestMps       *mps,
                                          ObSecretStore     *secrets,
                                          const char        *guid,
                                          const char        *friendly_name,
                                          const char        *user,
                                          const char        *mps_password,
                                          const char        *amt_password);
/* The stored row once every queued store write is done.  (transfer full) */
ObDeviceRecord *cira_test_stored_device  (CiraTestMps       *mps,
                                          const char        *guid);

G_END_DECLS
