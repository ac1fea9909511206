/* int-test-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "cira-test-util.h"
#include "ob-api-server.h"
#include "ob-device.h"
#include "ob-redir-session.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-fleet.h"
#include "ob-sim-redir-server.h"
#include "ob-stream-source.h"

G_BEGIN_DECLS

/* The end-to-end tests' simulated device reached three ways: on the LAN
 * (16994 on loopback), over CIRA (an APF channel through ObMpsServer), and
 * through the REST API's WebSocket relay (libsoup's client, the token in
 * Sec-WebSocket-Protocol, the stream handed to ObRedirSession through a
 * socket pair). */
typedef enum
{
  INT_TRANSPORT_LAN,
  INT_TRANSPORT_CIRA,
  INT_TRANSPORT_RELAY,
} IntTransport;

#define INT_GUID         "3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a"
#define INT_GUID_OFFLINE "3d2c1b0a-9f8e-4d7c-8b6a-000000000002"
#define INT_AMT_PASSWORD "Int!Amt-Pass9"
#define INT_FIXED_TIME   1796000000

/* A simulated device that calls in over CIRA to an MPS in this process
 * (its own store, registry and ObMpsServer, with the certificates of a
 * CiraTestCa), its WS-Man and redirection servers behind the APF
 * channels, user consent off.  Shared by the end-to-end and the UI
 * tests. */
typedef struct
{
  CiraTestCa       *own_ca;    /* when none was given */
  CiraTestMps       mps;
  ObSimDevice      *sim;
  ObSimWsmanServer *wsman;
  ObSimRedirServer *redir;
  ObSimCiraPool    *pool;
  ObSimCira        *cira;
  ObDevice         *device;    /* the registry's */
} IntCiraDevice;

/* Registers @guid (named @friendly_name, AMT password @amt_password) in a
 * new MPS whose server certificate, for @mps_name, comes from @ca (NULL: a
 * CA of its own, seconds of key generation), and lets the simulator (host
 * name @hostname unless NULL) call in.  Returns once the
 * registry's device has the connection as its transport; the port
 * forwards and the first refresh may still be on their way (ObDevice
 * waits for a forward it needs).  Fails the test after a minute. */
void        int_cira_device_init  (IntCiraDevice *cira,
                                   CiraTestCa    *ca,
                                   const char    *mps_name,
                                   const char    *guid,
                                   const char    *friendly_name,
                                   const char    *hostname,
                                   const char    *amt_password);
void        int_cira_device_clear (IntCiraDevice *cira);

/* A transport that opens AMT's WS-Man (16992) and redirection (16994)
 * ports at @wsman_port and @redir_port through @inner, and any other port
 * as it is: a simulator on free loopback ports reached like a device on
 * the LAN.  (transfer full) */
ObStreamSource *int_port_map_new  (ObStreamSource *inner,
                                   guint           wsman_port,
                                   guint           redir_port);

typedef struct _IntPump IntPump;

typedef struct
{
  IntTransport      transport;
  ObSimDevice      *sim;          /* borrowed from the fleet or cira_device */
  ObSimRedirServer *redir;        /* the same */
  ObSimScreen      *screen;

  /* LAN */
  ObSimFleet       *fleet;
  ObDevice         *lan_device;

  /* CIRA and relay */
  IntCiraDevice     cira_device;
  gboolean          have_cira_device;
  ObSimCira        *cira;         /* borrowed from cira_device */

  /* relay */
  ObApiServer      *api;
  char             *base;
  SoupSession      *session;
  char             *bearer;
  GPtrArray        *pumps;
} IntEnv;

/* Called once from main(). */
void        int_test_init         (void);
void        int_test_shutdown     (void);

void        int_env_init          (IntEnv       *env,
                                   IntTransport  transport);
void        int_env_clear         (IntEnv       *env);

/* The ObDevice the console side uses (LAN: made by the test, else the
 * MPS registry's). */
ObDevice   *int_env_get_device    (IntEnv       *env);

/* Opens a redirection stream to the device in @mode ("kvm", "sol"). */
GIOStream  *int_env_open          (IntEnv       *env,
                                   const char   *mode,
                                   GError      **error);

/* The password the console gives ObRedirSession: the device's on the LAN
 * and over CIRA; a wrong one through the relay, which must not matter. */
const char *int_env_console_password (IntEnv    *env);

/* Starts a redirection session of @type on a stream from int_env_open(). */
ObRedirSession *int_env_start     (IntEnv             *env,
                                   GIOStream          *stream,
                                   ObRedirSessionType  type,
                                   GError            **error);

/* Relay only: the HTTP status a WebSocket upgrade to @path?@query with
 * @token (NULL: none) gets; 101 when it was accepted (the socket is closed
 * again at once). */
guint       int_env_relay_status  (IntEnv       *env,
                                   const char   *path,
                                   const char   *query,
                                   const char   *token);
/* Relay only: a redirection token for @guid (GET
 * /api/v1/authorize/redirection/:guid); NULL when refused. */
char       *int_env_relay_token   (IntEnv       *env,
                                   const char   *guid);
/* Relay only: an API call with the bearer token; returns the status and
 * the body in @body (optional). */
guint       int_env_api           (IntEnv       *env,
                                   const char   *method,
                                   const char   *path,
                                   const char   *json,
                                   char        **body);

/* User consent, as the console would: over WS-Man on the LAN and CIRA,
 * through the REST API for the relay.  Return AMT's ReturnValue. */
guint       int_env_consent_start (IntEnv       *env);
guint       int_env_consent_send  (IntEnv       *env,
                                   const char   *code);

gboolean    int_wait_until        (CiraTestCondition  cond,
                                   gpointer           data,
                                   guint              timeout_ms);

G_END_DECLS
