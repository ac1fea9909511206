/* ob-sim-fleet.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "ob-sim-certificate.h"
#include "ob-sim-fleet.h"
#include "ob-sim-redir-server.h"

struct _ObSimFleet
{
  GObject    parent_instance;

  GPtrArray *devices;   /* ObSimDevice */
  GPtrArray *servers;   /* ObSimWsmanServer, same index */
  GPtrArray *redirs;    /* ObSimRedirServer, same index */
};

G_DEFINE_FINAL_TYPE (ObSimFleet, ob_sim_fleet, G_TYPE_OBJECT)

ObSimFleet *
ob_sim_fleet_new (void)
{
  return g_object_new (OB_TYPE_SIM_FLEET, NULL);
}

/* A free run of @count ports on @inet, found by binding them (0 if none
 * turned up).  Another process may still take one before the servers
 * listen: callers retry then. */
static guint
free_port_run (GInetAddress *inet,
               guint         count)
{
  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
      guint base = 0;
      gboolean ok = TRUE;

      for (guint k = 0; k < count && ok; k++)
        {
          g_autoptr(GSocket) socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                                                    G_SOCKET_PROTOCOL_TCP, NULL);
          g_autoptr(GSocketAddress) want = NULL;
          g_autoptr(GSocketAddress) got = NULL;

          if (socket == NULL || (k > 0 && base + k > 65535))
            return 0;
          want = g_inet_socket_address_new (inet, (guint16) (k == 0 ? 0 : base + k));
          ok = g_socket_bind (socket, want, TRUE, NULL);
          if (ok && k == 0)
            {
              got = g_socket_get_local_address (socket, NULL);
              base = got != NULL ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (got)) : 0;
              ok = base != 0;
            }
          if (ok)
            g_ptr_array_add (held, g_steal_pointer (&socket));
        }
      if (ok)
        return base;
    }
  return 0;
}

/* Listen for @device: WS-Man on @http_port (and TLS on @tls_port unless
 * 0), redirection on @redir_port (and TLS on @redir_tls_port when TLS). */
static gboolean
serve_device (ObSimDevice       *device,
              GTlsCertificate   *certificate,
              const char        *address,
              guint              http_port,
              guint              tls_port,
              guint              redir_port,
              guint              redir_tls_port,
              const char        *amt_password,
              ObSimWsmanServer **server_out,
              ObSimRedirServer **redir_out,
              GError           **error)
{
  g_autoptr(ObSimWsmanServer) server = ob_sim_wsman_server_new (device, NULL, amt_password);
  g_autoptr(ObSimRedirServer) redir = ob_sim_redir_server_new (device, NULL, amt_password);

  if (!ob_sim_wsman_server_listen (server, address, http_port, FALSE, error))
    return FALSE;
  if (certificate != NULL)
    {
      ob_sim_wsman_server_set_certificate (server, certificate);
      ob_sim_redir_server_set_certificate (redir, certificate);
      if (!ob_sim_wsman_server_listen (server, address, tls_port, TRUE, error))
        {
          ob_sim_wsman_server_stop (server);
          return FALSE;
        }
    }
  if (!ob_sim_redir_server_listen (redir, address, redir_port, FALSE, error)
      || (certificate != NULL && !ob_sim_redir_server_listen (redir, address, redir_tls_port, TRUE, error)))
    {
      ob_sim_redir_server_stop (redir);
      ob_sim_wsman_server_stop (server);
      return FALSE;
    }
  *server_out = g_steal_pointer (&server);
  *redir_out = g_steal_pointer (&redir);
  return TRUE;
}

ObSimDevice *
ob_sim_fleet_add_device (ObSimFleet  *self,
                         const char  *address,
                         guint        http_port,
                         guint        tls_port,
                         const char  *amt_password,
                         GError     **error)
{
  g_autoptr(ObSimDevice) device = NULL;
  g_autoptr(ObSimWsmanServer) server = NULL;
  g_autoptr(ObSimRedirServer) redir = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  gboolean any = http_port == 0 && (tls_port == 0 || tls_port == OB_SIM_PORT_ANY);

  g_return_val_if_fail (OB_IS_SIM_FLEET (self), NULL);
  g_return_val_if_fail (address != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return NULL;
    }
  device = ob_sim_device_new (NULL);
  if (tls_port != 0)
    {
      certificate = ob_sim_certificate_new (ob_sim_device_get_hostname (device), address, error);
      if (certificate == NULL)
        return NULL;
    }

  /* AMT's layout: redirection two ports above each WS-Man port (16994
   * beside 16992, 16995 beside 16993), the same TLS certificate.  Asked
   * for any ports, a device gets four free ones in a row in that layout,
   * so a client finds redirection at the WS-Man port + 2 there too. */
  for (guint attempt = 0;; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      guint base = any ? free_port_run (inet, 4) : 0;
      gboolean ok;

      if (any && base != 0)
        ok = serve_device (device, certificate, address, base, base + 1, base + 2, base + 3,
                           amt_password, &server, &redir, &local_error);
      else
        ok = serve_device (device, certificate, address, http_port,
                           tls_port == OB_SIM_PORT_ANY ? 0 : tls_port,
                           http_port == 0 ? 0 : http_port + 2,
                           tls_port == OB_SIM_PORT_ANY ? 0 : tls_port + 2,
                           amt_password, &server, &redir, &local_error);
      if (ok)
        break;
      /* Someone took one of the free ports meanwhile: look again. */
      if (any && base != 0 && attempt < 5
          && g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        continue;
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  g_ptr_array_add (self->redirs, g_steal_pointer (&redir));
  g_ptr_array_add (self->servers, g_steal_pointer (&server));
  g_ptr_array_add (self->devices, device);
  return g_steal_pointer (&device);
}

guint
ob_sim_fleet_get_n_devices (ObSimFleet *self)
{
  g_return_val_if_fail (OB_IS_SIM_FLEET (self), 0);
  return self->devices->len;
}

ObSimDevice *
ob_sim_fleet_get_device (ObSimFleet *self,
                         guint       index)
{
  g_return_val_if_fail (OB_IS_SIM_FLEET (self), NULL);
  g_return_val_if_fail (index < self->devices->len, NULL);
  return g_ptr_array_index (self->devices, index);
}

ObSimDevice *
ob_sim_fleet_lookup_device (ObSimFleet *self,
                            const char *guid)
{
  g_return_val_if_fail (OB_IS_SIM_FLEET (self), NULL);
  g_return_val_if_fail (guid != NULL, NULL);

  for (guint i = 0; i < self->devices->len; i++)
    {
      ObSimDevice *device = g_ptr_array_index (self->devices, i);

      if (g_ascii_strcasecmp (ob_sim_device_get_guid (device), guid) == 0)
        return device;
    }
  return NULL;
}

ObSimWsmanServer *
ob_sim_fleet_get_server (ObSimFleet  *self,
                         ObSimDevice *device)
{
  guint index;

  g_return_val_if_fail (OB_IS_SIM_FLEET (self), NULL);
  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  if (!g_ptr_array_find (self->devices, device, &index))
    return NULL;
  return g_ptr_array_index (self->servers, index);
}

ObSimRedirServer *
ob_sim_fleet_get_redir_server (ObSimFleet  *self,
                               ObSimDevice *device)
{
  guint index;

  g_return_val_if_fail (OB_IS_SIM_FLEET (self), NULL);
  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  if (!g_ptr_array_find (self->devices, device, &index))
    return NULL;
  return g_ptr_array_index (self->redirs, index);
}

void
ob_sim_fleet_set_latency_ms (ObSimFleet *self,
                             guint       latency_ms)
{
  g_return_if_fail (OB_IS_SIM_FLEET (self));

  for (guint i = 0; i < self->devices->len; i++)
    ob_sim_device_set_latency_ms (g_ptr_array_index (self->devices, i), latency_ms);
}

void
ob_sim_fleet_stop (ObSimFleet *self)
{
  g_return_if_fail (OB_IS_SIM_FLEET (self));

  for (guint i = 0; i < self->servers->len; i++)
    ob_sim_wsman_server_stop (g_ptr_array_index (self->servers, i));
  for (guint i = 0; i < self->redirs->len; i++)
    ob_sim_redir_server_stop (g_ptr_array_index (self->redirs, i));
}

char *
ob_sim_fleet_nth_address (const char  *first,
                          guint        index,
                          GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  const guint8 *bytes;
  guint32 value;
  guint last;

  g_return_val_if_fail (first != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  inet = g_inet_address_new_from_string (first);
  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IPv4 address", first);
      return NULL;
    }
  bytes = g_inet_address_to_bytes (inet);
  value = ((guint32) bytes[0] << 24) | ((guint32) bytes[1] << 16) | ((guint32) bytes[2] << 8);
  last = bytes[3];
  if (last == 0 || last == 255)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” ends in .0 or .255; start at a host address", first);
      return NULL;
    }

  /* 254 host addresses per /24: .1 … .254. */
  {
    guint64 slot = (guint64) (last - 1) + index;
    guint64 base = (guint64) (value >> 8) + slot / 254;

    if (base > 0xFFFFFF)
      {
        g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                     "Not enough addresses after %s", first);
        return NULL;
      }
    return g_strdup_printf ("%u.%u.%u.%u",
                            (guint) (base >> 16) & 0xFF, (guint) (base >> 8) & 0xFF,
                            (guint) base & 0xFF, (guint) (slot % 254) + 1);
  }
}

static void
ob_sim_fleet_dispose (GObject *object)
{
  ObSimFleet *self = OB_SIM_FLEET (object);

  if (self->servers != NULL)
    ob_sim_fleet_stop (self);
  g_clear_pointer (&self->servers, g_ptr_array_unref);
  g_clear_pointer (&self->redirs, g_ptr_array_unref);
  g_clear_pointer (&self->devices, g_ptr_array_unref);

  G_OBJECT_CLASS (ob_sim_fleet_parent_class)->dispose (object);
}

static void
ob_sim_fleet_class_init (ObSimFleetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_fleet_dispose;
}

static void
ob_sim_fleet_init (ObSimFleet *self)
{
  self->devices = g_ptr_array_new_with_free_func (g_object_unref);
  self->servers = g_ptr_array_new_with_free_func (g_object_unref);
  self->redirs = g_ptr_array_new_with_free_func (g_object_unref);
}
