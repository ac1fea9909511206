/* ob-rps-transport.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OB_TYPE_RPS_TRANSPORT (ob_rps_transport_get_type ())

G_DECLARE_INTERFACE (ObRpsTransport, ob_rps_transport, OB, RPS_TRANSPORT, GObject)

/* How a flow's HTTP request reaches the device and its response comes
 * back: through rpc-go (a "wsman" message out, a "response" message in) in
 * ObRpsSession, or anything a test wants.  One exchange at a time. */
struct _ObRpsTransportInterface
{
  GTypeInterface parent_iface;

  void    (*exchange_async)  (ObRpsTransport       *self,
                              GBytes               *request,
                              GCancellable         *cancellable,
                              GAsyncReadyCallback   callback,
                              gpointer              user_data);
  GBytes *(*exchange_finish) (ObRpsTransport       *self,
                              GAsyncResult         *result,
                              GError              **error);
};

/* Send @request (a whole HTTP request) and get the raw bytes the device
 * answered. */
void    ob_rps_transport_exchange_async  (ObRpsTransport       *self,
                                          GBytes               *request,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
GBytes *ob_rps_transport_exchange_finish (ObRpsTransport       *self,
                                          GAsyncResult         *result,
                                          GError              **error);

G_END_DECLS
