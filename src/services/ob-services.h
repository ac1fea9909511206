/* ob-services.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "ob-api-server.h"
#include "ob-cert-authority.h"
#include "ob-config.h"
#include "ob-device-registry.h"
#include "ob-mps-server.h"
#include "ob-rps-server.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

typedef enum
{
  OB_SERVICES_STATE_STOPPED,
  OB_SERVICES_STATE_STARTING,
  OB_SERVICES_STATE_RUNNING,
  OB_SERVICES_STATE_FAILED,
} ObServicesState;

#define OB_TYPE_SERVICES (ob_services_get_type ())

G_DECLARE_FINAL_TYPE (ObServices, ob_services, OB, SERVICES, GObject)

ObServices      *ob_services_new                (ObConfig             *config,
                                                 ObSecretStore        *secrets,
                                                 const char           *data_dir);
void             ob_services_start_async        (ObServices           *self,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean         ob_services_start_finish       (ObServices           *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void             ob_services_stop               (ObServices           *self);

ObServicesState  ob_services_get_state          (ObServices           *self);
const char      *ob_services_get_data_dir       (ObServices           *self);
ObConfig        *ob_services_get_config         (ObServices           *self);
ObSecretStore   *ob_services_get_secret_store   (ObServices           *self);
ObStore         *ob_services_get_store          (ObServices           *self);
ObCertAuthority *ob_services_get_cert_authority (ObServices           *self);
ObDeviceRegistry *ob_services_get_device_registry (ObServices          *self);
ObApiServer     *ob_services_get_api_server     (ObServices           *self);
ObMpsServer     *ob_services_get_mps_server     (ObServices           *self);
const GError    *ob_services_get_api_error      (ObServices           *self);
gboolean         ob_services_retry_api          (ObServices           *self);
/* Start the CIRA listener again when it is not listening (after "port in
 * use" once the port is free); follow notify::mps-server.  FALSE when it
 * listens already or the services are not running. */
gboolean         ob_services_retry_mps          (ObServices           *self);

/* Headless mode: serve the REST API whatever api-enabled says, on @address
 * (NULL: the configured one) and @port (-1: the configured one, 0: any free
 * port).  Nothing is written to the settings.  Call before starting; the
 * start then fails if the API cannot start. */
void             ob_services_force_api          (ObServices           *self,
                                                 const char           *address,
                                                 int                   port);

/* Listen for CIRA on @port (0: any free port; -1: the cira-port setting)
 * for this run only.  Call before starting. */
void             ob_services_force_cira_port    (ObServices           *self,
                                                 int                   port);

/* The provisioning server (NULL before the first start).  Listens on
 * @port for this run when forced (0: any free port; -1: the rps-port
 * setting).  Call before starting. */
ObRpsServer     *ob_services_get_rps_server     (ObServices           *self);
void             ob_services_force_rps_port     (ObServices           *self,
                                                 int                   port);
void             ob_services_set_reissue_delay  (ObServices           *self,
                                                 guint                 milliseconds);

G_END_DECLS
