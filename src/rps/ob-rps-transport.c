/* ob-rps-transport.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-rps-transport.h"

G_DEFINE_INTERFACE (ObRpsTransport, ob_rps_transport, G_TYPE_OBJECT)

static void
ob_rps_transport_default_init (ObRpsTransportInterface *iface)
{
}

void
ob_rps_transport_exchange_async (ObRpsTransport      *self,
                                 GBytes              *request,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_return_if_fail (OB_IS_RPS_TRANSPORT (self));
  g_return_if_fail (request != NULL);

  OB_RPS_TRANSPORT_GET_IFACE (self)->exchange_async (self, request, cancellable, callback, user_data);
}

GBytes *
ob_rps_transport_exchange_finish (ObRpsTransport  *self,
                                  GAsyncResult    *result,
                                  GError         **error)
{
  g_return_val_if_fail (OB_IS_RPS_TRANSPORT (self), NULL);

  return OB_RPS_TRANSPORT_GET_IFACE (self)->exchange_finish (self, result, error);
}
