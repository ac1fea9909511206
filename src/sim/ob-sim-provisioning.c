/* ob-sim-provisioning.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-crypto.h"
#include "ob-http-digest.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-xml.h"
#include "ob-util.h"

#define ACTION_ADDRESSING_FAULT "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"
#define FAULT_DETAIL_BASE       "http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/"
#define NS_TRANSFER             "http://schemas.xmlsoap.org/ws/2004/09/transfer"
#define AMT_PROVISIONING_EKU    "2.16.840.1.113741.1.2.3"

#define NONCE_LENGTH       20
#define MAX_MPS_SERVERS    16
#define MAX_CERTIFICATES   32
#define MAX_KEY_PAIRS      16
#define MAX_WIFI_PROFILES  16
#define MAX_DETECTION_STRINGS 5

/* PT_STATUS values (§3.6). */
#define PT_SUCCESS           0u
#define PT_INVALID_PT_MODE   3u
#define PT_NOT_PERMITTED     16u
#define PT_MAX_LIMIT_REACHED 23u
#define PT_INVALID_PARAMETER 36u
#define PT_DUPLICATE         2058u
#define PT_INVALID_KEY       2062u
#define PT_INVALID_CERT      2063u
#define PT_NOT_FOUND         2068u
/* CIM RequestStateChange */
#define CIM_INVALID_PARAMETER 5u

#define SAP_NAME_PREFIX  "Intel(r) AMT:Management Presence Server "
#define CERT_ID_PREFIX   "Intel(r) AMT Certificate: Handle: "
#define KEY_ID_PREFIX    "Intel(r) AMT Key: Handle: "
#define WIRED_ID         "Intel(r) AMT Ethernet Port Settings 0"
#define WIRELESS_ID      "Intel(r) AMT Ethernet Port Settings 1"
#define TLS_REMOTE_ID    "Intel(r) AMT 802.3 TLS Settings"
#define TLS_LOCAL_ID     "Intel(r) AMT LMS TLS Settings"
#define ENV_ID           "Intel(r) AMT Environment Detection Settings"
#define IEEE8021X_ID     "Intel(r) AMT: 8021X Settings"

typedef struct
{
  char     *instance_id;
  GBytes   *der;
  gboolean  trusted_root;
  char     *subject;
  char     *issuer;
} Certificate;

typedef struct
{
  char   *instance_id;
  GBytes *public_der;   /* PKCS#1 RSAPublicKey, AMT's DERKey */
} KeyPair;

typedef struct
{
  char  *name;
  char  *access_info;
  guint  info_format;
  guint  port;
  guint  auth_method;
  char  *username;
  char  *password;
  char  *common_name;
} MpServer;

typedef struct
{
  char  *server;         /* MpServer name */
  guint  mps_type;
  guint  order;
} Applies;

typedef struct
{
  guint   trigger;
  guint   tunnel_lifetime;
  char   *extended_data;
  GArray *applies;       /* Applies */
} PolicyRule;

typedef struct
{
  char  *instance_id;
  char  *element_name;
  char  *ssid;
  guint  authentication;
  guint  encryption;
  guint  priority;
} WifiProfile;

typedef struct
{
  gboolean  dhcp;
  gboolean  ip_sync;
  gboolean  shared_static;
  char     *ip;
  char     *netmask;
  char     *gateway;
  char     *dns1;
  char     *dns2;
  char     *mac;
} Port;

typedef struct
{
  gboolean  enabled;
  gboolean  accept_non_secure;
  gboolean  mutual;
  GPtrArray *trusted_cn;
} TlsSettings;

struct _ObSimProvisioning
{
  GObject       parent_instance;

  ObSimDevice  *device;             /* owns us: not a reference */

  /* set-up */
  GPtrArray    *trusted_hashes;     /* lowercase hex */
  gboolean      allow_ccm;
  gboolean      allow_acm;
  gboolean      has_wireless;
  char         *host_ip;
  char         *host_netmask;
  char         *host_gateway;
  char         *host_dns;

  /* accounts */
  char         *lsa_password;
  char         *admin_username;     /* NULL until activated */
  char         *admin_ha1;
  char         *mebx_password;

  /* host-based setup */
  guint8        nonce[NONCE_LENGTH];
  GPtrArray    *chain;              /* GBytes DER, leaf first */
  gboolean      chain_complete;

  /* general settings */
  gboolean      shared_fqdn;
  guint         amt_network_enabled;
  gboolean      rmcp_ping;
  gboolean      ping;
  gboolean      ddns_update;

  Port          wired;
  Port          wireless;
  guint         ieee8021x_enabled;

  GPtrArray    *certificates;       /* Certificate */
  GPtrArray    *key_pairs;          /* KeyPair */
  guint         next_cert_handle;
  guint         next_key_handle;
  TlsSettings   tls[2];             /* remote, local */
  char         *tls_context_cert;   /* InstanceID of the TLS credential context's cert */
  guint         n_commits;

  GPtrArray    *mps_servers;        /* MpServer */
  guint         next_mps;
  PolicyRule   *rules[3];           /* by trigger */
  guint         user_initiated_state;
  GPtrArray    *detection_strings;  /* char* */

  guint         wifi_sync;
  guint         wifi_port_state;
  GPtrArray    *wifi_profiles;      /* WifiProfile */

  gint64        last_ta0;
  gint64        last_time_sync;
};

G_DEFINE_FINAL_TYPE (ObSimProvisioning, ob_sim_provisioning, G_TYPE_OBJECT)

static GQuark
provisioning_quark (void)
{
  static GQuark quark;

  if (quark == 0)
    quark = g_quark_from_static_string ("ob-sim-provisioning");
  return quark;
}

/* ---- small helpers ------------------------------------------------------- */

static void
certificate_free (gpointer data)
{
  Certificate *c = data;

  g_free (c->instance_id);
  g_bytes_unref (c->der);
  g_free (c->subject);
  g_free (c->issuer);
  g_free (c);
}

static void
key_pair_free (gpointer data)
{
  KeyPair *k = data;

  g_free (k->instance_id);
  g_bytes_unref (k->public_der);
  g_free (k);
}

static void
mp_server_free (gpointer data)
{
  MpServer *m = data;

  g_free (m->name);
  g_free (m->access_info);
  g_free (m->username);
  ob_secure_free_string (m->password);
  g_free (m->common_name);
  g_free (m);
}

static void
applies_clear (gpointer data)
{
  Applies *a = data;

  g_free (a->server);
}

static void
policy_rule_free (PolicyRule *r)
{
  if (r == NULL)
    return;
  g_free (r->extended_data);
  g_array_unref (r->applies);
  g_free (r);
}

static void
wifi_profile_free (gpointer data)
{
  WifiProfile *w = data;

  g_free (w->instance_id);
  g_free (w->element_name);
  g_free (w->ssid);
  g_free (w);
}

static void
port_clear (Port *p)
{
  g_clear_pointer (&p->ip, g_free);
  g_clear_pointer (&p->netmask, g_free);
  g_clear_pointer (&p->gateway, g_free);
  g_clear_pointer (&p->dns1, g_free);
  g_clear_pointer (&p->dns2, g_free);
}

static const char *
rule_name (guint trigger)
{
  switch (trigger)
    {
    case 0:
      return "User Initiated";
    case 1:
      return "Alert";
    default:
      return "Periodic";
    }
}

static gboolean
parse_bool (const char *text,
            gboolean   *value)
{
  if (text == NULL)
    return FALSE;
  if (g_ascii_strcasecmp (text, "true") == 0)
    *value = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0)
    *value = FALSE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
parse_uint (const char *text,
            guint64     max,
            guint      *value)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    return FALSE;
  *value = (guint) v;
  return TRUE;
}

static gboolean
is_ipv4 (const char *text)
{
  g_autoptr(GInetAddress) address = NULL;

  if (text == NULL)
    return FALSE;
  address = g_inet_address_new_from_string (text);
  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4;
}

static gboolean
is_ipv6 (const char *text)
{
  g_autoptr(GInetAddress) address = NULL;

  if (text == NULL)
    return FALSE;
  address = g_inet_address_new_from_string (text);
  return address != NULL && g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
}

/* A DNS host label as AMT takes it for HostName. */
static gboolean
is_host_label (const char *text)
{
  gsize len = strlen (text);

  if (len == 0 || len > 63 || text[0] == '-' || text[len - 1] == '-')
    return FALSE;
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

static gboolean
is_domain (const char *text)
{
  g_auto(GStrv) labels = NULL;

  if (*text == '\0')
    return TRUE;
  if (strlen (text) > 191)
    return FALSE;
  labels = g_strsplit (text, ".", -1);
  for (guint i = 0; labels[i] != NULL; i++)
    if (!is_host_label (labels[i]))
      return FALSE;
  return TRUE;
}

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

static gboolean
is_hex (const char *text,
        gsize       len)
{
  if (text == NULL || strlen (text) != len)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  return TRUE;
}

static GBytes *
base64_bytes (const char *text)
{
  gsize len = 0;
  guchar *data;

  if (text == NULL || *text == '\0')
    return NULL;
  /* g_base64_decode accepts anything; check the alphabet first. */
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/' && *p != '=' && !g_ascii_isspace (*p))
      return NULL;
  data = g_base64_decode (text, &len);
  if (len == 0)
    {
      g_free (data);
      return NULL;
    }
  return g_bytes_new_take (data, len);
}

/* ---- certificates (OpenSSL) ---------------------------------------------- */

static X509 *
x509_from_der (GBytes *der)
{
  gsize len;
  const unsigned char *data = g_bytes_get_data (der, &len);
  const unsigned char *p = data;
  X509 *x;

  if (len == 0 || len > G_MAXLONG)
    return NULL;
  x = d2i_X509 (NULL, &p, (long) len);
  if (x != NULL && p != data + len)
    {
      X509_free (x);
      return NULL;
    }
  return x;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (X509, X509_free)

static char *
x509_name_text (const X509_NAME *name)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  long len;
  char *text;

  X509_NAME_print_ex (bio, name, 0, XN_FLAG_RFC2253);
  len = BIO_get_mem_data (bio, &data);
  text = g_strndup (data, len > 0 ? (gsize) len : 0);
  BIO_free (bio);
  return text;
}

static char *
x509_common_name (X509 *x)
{
  const X509_NAME *name = X509_get_subject_name (x);
  int index = X509_NAME_get_index_by_NID (name, NID_commonName, -1);
  unsigned char *utf8 = NULL;
  X509_NAME_ENTRY *entry;
  char *cn;
  int len;

  if (index < 0)
    return NULL;
  entry = X509_NAME_get_entry (name, index);
  len = ASN1_STRING_to_UTF8 (&utf8, X509_NAME_ENTRY_get_data (entry));
  if (len < 0)
    return NULL;
  cn = g_strndup ((const char *) utf8, (gsize) len);
  OPENSSL_free (utf8);
  return cn;
}

static gboolean
x509_has_eku (X509       *x,
              const char *oid)
{
  EXTENDED_KEY_USAGE *eku = X509_get_ext_d2i (x, NID_ext_key_usage, NULL, NULL);
  gboolean found = FALSE;

  if (eku == NULL)
    return FALSE;
  for (int i = 0; i < sk_ASN1_OBJECT_num (eku); i++)
    {
      char buf[128];

      if (OBJ_obj2txt (buf, sizeof buf, sk_ASN1_OBJECT_value (eku, i), 1) > 0 && g_str_equal (buf, oid))
        found = TRUE;
    }
  EXTENDED_KEY_USAGE_free (eku);
  return found;
}

static gboolean
x509_valid_at (X509   *x,
               gint64  now)
{
  time_t t = (time_t) now;

  return X509_cmp_time (X509_get0_notBefore (x), &t) < 0 && X509_cmp_time (X509_get0_notAfter (x), &t) > 0;
}

/* @subject was issued (and signed) by @issuer. */
static gboolean
x509_issued_by (X509 *subject,
                X509 *issuer)
{
  EVP_PKEY *key = X509_get0_pubkey (issuer);

  return X509_check_issued (issuer, subject) == X509_V_OK && key != NULL && X509_verify (subject, key) == 1;
}

/* AMT's rule for the provisioning certificate's CN against the DNS suffix
 * it knows: one must be a domain suffix of the other. */
static gboolean
suffix_matches (const char *common_name,
                const char *suffix)
{
  const char *cn = common_name;
  gsize cn_len, suffix_len;

  if (g_str_has_prefix (cn, "*."))
    cn += 2;
  cn_len = strlen (cn);
  suffix_len = strlen (suffix);
  if (g_ascii_strcasecmp (cn, suffix) == 0)
    return TRUE;
  if (cn_len > suffix_len && cn[cn_len - suffix_len - 1] == '.' &&
      g_ascii_strcasecmp (cn + cn_len - suffix_len, suffix) == 0)
    return TRUE;
  if (suffix_len > cn_len && suffix[suffix_len - cn_len - 1] == '.' &&
      g_ascii_strcasecmp (suffix + suffix_len - cn_len, cn) == 0)
    return TRUE;
  return FALSE;
}

static GBytes *
public_key_der (EVP_PKEY *key)
{
  unsigned char *der = NULL;
  int len = i2d_PublicKey (key, &der);
  GBytes *bytes;

  if (len <= 0)
    return NULL;
  bytes = g_bytes_new (der, (gsize) len);
  OPENSSL_free (der);
  return bytes;
}

/* ---- state --------------------------------------------------------------- */

static void
new_nonce (ObSimProvisioning *self)
{
  ob_random_bytes (self->nonce, sizeof self->nonce);
}

static void
reset_chain (ObSimProvisioning *self)
{
  g_ptr_array_set_size (self->chain, 0);
  self->chain_complete = FALSE;
}

static void
reset_port (ObSimProvisioning *self,
            Port              *port)
{
  port_clear (port);
  port->dhcp = TRUE;
  port->ip_sync = TRUE;
  port->shared_static = FALSE;
  port->ip = g_strdup (self->host_ip);
  port->netmask = g_strdup (self->host_netmask);
  port->gateway = g_strdup (self->host_gateway);
  port->dns1 = g_strdup (self->host_dns);
}

/* Factory state of everything configuration writes. */
static void
reset_configuration (ObSimProvisioning *self)
{
  self->shared_fqdn = TRUE;
  self->amt_network_enabled = 1;
  self->rmcp_ping = TRUE;
  self->ping = TRUE;
  self->ddns_update = FALSE;
  reset_port (self, &self->wired);
  reset_port (self, &self->wireless);
  self->ieee8021x_enabled = 3;
  g_ptr_array_set_size (self->certificates, 0);
  g_ptr_array_set_size (self->key_pairs, 0);
  for (guint i = 0; i < 2; i++)
    {
      self->tls[i].enabled = FALSE;
      self->tls[i].accept_non_secure = TRUE;
      self->tls[i].mutual = FALSE;
      g_ptr_array_set_size (self->tls[i].trusted_cn, 0);
    }
  g_clear_pointer (&self->tls_context_cert, g_free);
  g_ptr_array_set_size (self->mps_servers, 0);
  for (guint i = 0; i < 3; i++)
    g_clear_pointer (&self->rules[i], policy_rule_free);
  self->user_initiated_state = 32768;
  g_ptr_array_set_size (self->detection_strings, 0);
  self->wifi_sync = 0;
  self->wifi_port_state = 3;
  g_ptr_array_set_size (self->wifi_profiles, 0);
}

static void
set_admin (ObSimProvisioning *self,
           const char        *username,
           const char        *ha1)
{
  g_free (self->admin_username);
  self->admin_username = g_strdup (username);
  ob_secure_free_string (self->admin_ha1);
  self->admin_ha1 = g_ascii_strdown (ha1, -1);
}

/* ---- replies -------------------------------------------------------------- */

typedef struct
{
  ObSimProvisioning           *self;
  const ObSimProvisioningCall *call;
  ObSimDevice                 *device;
  guint                        status;
} Ctx;

static char *
fault (Ctx        *ctx,
       const char *action,
       const char *subcode,
       const char *reason,
       const char *detail_xml)
{
  ctx->status = 400;
  return ob_sim_xml_build_fault (action, ctx->call->relates_to, ctx->call->message_id,
                                 "Sender", subcode, reason, detail_xml);
}

static char *
fault_destination_unreachable (Ctx *ctx)
{
  return fault (ctx, ACTION_ADDRESSING_FAULT, "b:DestinationUnreachable",
                "No route can be determined to reach the destination role defined by the WSAddressing To.",
                NULL);
}

static char *
fault_action_not_supported (Ctx *ctx)
{
  g_autofree char *action = g_markup_escape_text (ob_wsman_request_get_action (ctx->call->request), -1);
  g_autofree char *detail = g_strdup_printf ("<b:Action>%s</b:Action>", action);

  return fault (ctx, ACTION_ADDRESSING_FAULT, "b:ActionNotSupported",
                "The action is not supported by the service.", detail);
}

static char *
fault_invalid_selectors (Ctx        *ctx,
                         const char *why)
{
  g_autofree char *detail = g_strdup_printf ("<e:FaultDetail>" FAULT_DETAIL_BASE "%s</e:FaultDetail>", why);

  return fault (ctx, OB_WSMAN_ACTION_FAULT, "e:InvalidSelectors",
                "The Selectors for the resource are not valid.", detail);
}

static char *
fault_invalid_representation (Ctx        *ctx,
                              const char *why)
{
  g_autofree char *detail = g_strdup_printf ("<e:FaultDetail>" FAULT_DETAIL_BASE "%s</e:FaultDetail>", why);

  return fault (ctx, OB_WSMAN_ACTION_FAULT, "d:InvalidRepresentation",
                "The XML content is not valid.", detail);
}

static char *
fault_access_denied (Ctx *ctx)
{
  return fault (ctx, OB_WSMAN_ACTION_FAULT, "e:AccessDenied",
                "The sender was not authorized to access the resource.", NULL);
}

static char *
fault_already_exists (Ctx *ctx)
{
  return fault (ctx, OB_WSMAN_ACTION_FAULT, "e:AlreadyExists",
                "The sender attempted to create a resource which already exists.", NULL);
}

static char *
reply_instance (Ctx           *ctx,
                const char    *action,
                ObSimInstance *instance)
{
  ObSimXmlWriter *w = ob_sim_xml_writer_new ();
  char *xml;

  ob_sim_xml_writer_instance (w, instance);
  xml = ob_sim_xml_writer_finish (w, action, ctx->call->relates_to, ctx->call->message_id,
                                  ctx->call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

static char *
reply_empty (Ctx        *ctx,
             const char *action)
{
  ObSimXmlWriter *w = ob_sim_xml_writer_new ();
  char *xml = ob_sim_xml_writer_finish (w, action, ctx->call->relates_to, ctx->call->message_id,
                                        ctx->call->resource_uri);

  ob_sim_xml_writer_free (w);
  return xml;
}

/* One output of a method besides ReturnValue: text, or an EPR when
 * @resource_uri is set.  AMT writes outputs in name order with
 * ReturnValue last for every method here. */
typedef struct
{
  const char  *name;
  const char  *text;
  const char  *resource_uri;
  const char **selectors;
} Output;

static char *
reply_method (Ctx          *ctx,
              const char   *method,
              guint         return_value,
              const Output *outputs,
              guint         n_outputs)
{
  ObSimXmlWriter *w = ob_sim_xml_writer_new ();
  const char *g = ob_sim_xml_writer_prefix (w, ctx->call->resource_uri);
  g_autofree char *output = g_strconcat (method, "_OUTPUT", NULL);
  g_autofree char *action = g_strconcat (ctx->call->resource_uri, "/", method, "Response", NULL);
  char rv[16];
  char *xml;

  ob_sim_xml_writer_open (w, g, output);
  for (guint i = 0; i < n_outputs; i++)
    {
      if (outputs[i].resource_uri != NULL)
        {
          ob_sim_xml_writer_open (w, g, outputs[i].name);
          ob_sim_xml_writer_reference (w, outputs[i].resource_uri, outputs[i].selectors);
          ob_sim_xml_writer_close (w, g, outputs[i].name);
        }
      else if (outputs[i].text != NULL)
        ob_sim_xml_writer_element (w, g, outputs[i].name, outputs[i].text);
    }
  g_snprintf (rv, sizeof rv, "%u", return_value);
  ob_sim_xml_writer_element (w, g, "ReturnValue", rv);
  ob_sim_xml_writer_close (w, g, output);
  xml = ob_sim_xml_writer_finish (w, action, ctx->call->relates_to, ctx->call->message_id,
                                  ctx->call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

static char *
reply_rv (Ctx        *ctx,
          const char *method,
          guint       return_value)
{
  return reply_method (ctx, method, return_value, NULL, 0);
}

/* ---- request access -------------------------------------------------------- */

static const char *
arg (Ctx        *ctx,
     const char *name)
{
  return ob_wsman_selectors_lookup (ob_wsman_request_get_arguments (ctx->call->request), name);
}

/* Every text value of argument @name, in order (arrays). */
static GPtrArray *
arg_all (Ctx        *ctx,
         const char *name)
{
  ObWsmanSelectors *args = ob_wsman_request_get_arguments (ctx->call->request);
  GPtrArray *out = g_ptr_array_new ();

  for (guint i = 0; i < ob_wsman_selectors_get_length (args); i++)
    if (g_str_equal (ob_wsman_selectors_get_name (args, i), name) &&
        ob_wsman_selectors_get_value (args, i) != NULL)
      g_ptr_array_add (out, (gpointer) ob_wsman_selectors_get_value (args, i));
  return out;
}

/* Selector @key of the EPR called @name, looked up in @set. */
static const char *
epr_selector (ObWsmanSelectors *set,
              const char       *name,
              const char       *key)
{
  for (guint i = 0; i < ob_wsman_selectors_get_length (set); i++)
    {
      const char *address, *uri;
      ObWsmanSelectors *epr = NULL;

      if (!g_str_equal (ob_wsman_selectors_get_name (set, i), name))
        continue;
      if (ob_wsman_selectors_get_reference (set, i, &address, &uri, &epr) && epr != NULL)
        return ob_wsman_selectors_lookup (epr, key);
    }
  return NULL;
}

static const char *
arg_epr (Ctx        *ctx,
         const char *name,
         const char *key)
{
  return epr_selector (ob_wsman_request_get_arguments (ctx->call->request), name, key);
}

static const char *
selector (Ctx        *ctx,
          const char *name)
{
  return ob_wsman_selectors_lookup (ob_wsman_request_get_selectors (ctx->call->request), name);
}

static char *
json_text (JsonObject *object,
           const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        double d = json_node_get_double (node);

        if (d >= 0 && d <= (double) G_MAXUINT32 && d == (double) (guint64) d)
          return g_strdup_printf ("%" G_GUINT64_FORMAT, (guint64) d);
        return NULL;
      }
    default:
      return NULL;
    }
}

static JsonObject *
json_member_object (JsonObject *object,
                    const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  return JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static gboolean
provisioned (Ctx *ctx)
{
  return ob_sim_device_get_control_mode (ctx->device) != OB_SIM_CONTROL_MODE_PRE_PROVISIONING;
}

/* ---- instances ----------------------------------------------------------- */

static void
add_system_keys (ObSimInstance *i)
{
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "Intel(r) AMT");
}

static ObSimInstance *
service_instance (const char *class_name,
                  const char *name)
{
  ObSimInstance *i = ob_sim_instance_new (class_name);

  ob_sim_instance_add_string (i, "CreationClassName", class_name);
  ob_sim_instance_add_string (i, "ElementName", name);
  ob_sim_instance_add_uint (i, "EnabledState", 5);
  ob_sim_instance_add_string (i, "Name", name);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  add_system_keys (i);
  return i;
}

static GPtrArray *
list_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ob_sim_instance_unref);
}

static GPtrArray *
single (ObSimInstance *i)
{
  GPtrArray *list = list_new ();

  g_ptr_array_add (list, i);
  return list;
}

static GPtrArray *
general_settings (ObSimProvisioning *self)
{
  ObSimDevice *device = self->device;
  ObSimInstance *i = ob_sim_instance_new ("AMT_GeneralSettings");
  g_autofree char *fqdn = NULL;
  const char *domain = ob_sim_device_get_domain_name (device);

  fqdn = *domain != '\0' ? g_strconcat (ob_sim_device_get_hostname (device), ".", domain, NULL)
                         : g_strdup (ob_sim_device_get_hostname (device));
  ob_sim_instance_add_uint (i, "AMTNetworkEnabled", self->amt_network_enabled);
  ob_sim_instance_add_uint (i, "DDNSPeriodicUpdateInterval", 1440);
  ob_sim_instance_add_uint (i, "DDNSTTL", 900);
  ob_sim_instance_add_bool (i, "DDNSUpdateByDHCPServerEnabled", TRUE);
  ob_sim_instance_add_bool (i, "DDNSUpdateEnabled", self->ddns_update);
  ob_sim_instance_add_uint (i, "DHCPSyncRequiresHostname", 1);
  ob_sim_instance_add_uint (i, "DHCPv6ConfigurationTimeout", 0);
  ob_sim_instance_add_string (i, "DigestRealm", ob_sim_device_get_digest_realm (device));
  ob_sim_instance_add_string (i, "DomainName", domain);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT: General Settings");
  ob_sim_instance_add_string (i, "HostName", ob_sim_device_get_hostname (device));
  ob_sim_instance_add_string (i, "HostOSFQDN", fqdn);
  ob_sim_instance_add_uint (i, "IdleWakeTimeout", 65535);
  ob_sim_instance_add_string (i, "InstanceID", "Intel(r) AMT: General Settings");
  ob_sim_instance_add_bool (i, "NetworkInterfaceEnabled", TRUE);
  ob_sim_instance_add_bool (i, "PingResponseEnabled", self->ping);
  ob_sim_instance_add_uint (i, "PowerSource", 0);
  ob_sim_instance_add_uint (i, "PreferredAddressFamily", 0);
  ob_sim_instance_add_uint (i, "PresenceNotificationInterval", 0);
  ob_sim_instance_add_uint (i, "PrivacyLevel", 0);
  ob_sim_instance_add_bool (i, "RmcpPingResponseEnabled", self->rmcp_ping);
  ob_sim_instance_add_bool (i, "SharedFQDN", self->shared_fqdn);
  ob_sim_instance_add_uint (i, "ThunderboltDockEnabled", 0);
  ob_sim_instance_add_bool (i, "WsmanOnlyMode", FALSE);
  return single (i);
}

static guint
current_control_mode (ObSimProvisioning *self)
{
  switch (ob_sim_device_get_control_mode (self->device))
    {
    case OB_SIM_CONTROL_MODE_CCM:
      return 1;
    case OB_SIM_CONTROL_MODE_ACM:
      return 2;
    case OB_SIM_CONTROL_MODE_PRE_PROVISIONING:
    default:
      return 0;
    }
}

static GPtrArray *
host_based_setup (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("IPS_HostBasedSetupService");
  g_autofree char *nonce = g_base64_encode (self->nonce, sizeof self->nonce);
  guint chain_status = self->chain_complete ? 2 : self->chain->len > 0 ? 1 : 0;

  if (self->allow_acm)
    ob_sim_instance_add_uint (i, "AllowedControlModes", 2);
  if (self->allow_ccm)
    ob_sim_instance_add_uint (i, "AllowedControlModes", 1);
  ob_sim_instance_add_uint (i, "CertChainStatus", chain_status);
  ob_sim_instance_add_string (i, "ConfigurationNonce", nonce);
  ob_sim_instance_add_string (i, "CreationClassName", "IPS_HostBasedSetupService");
  ob_sim_instance_add_uint (i, "CurrentControlMode", current_control_mode (self));
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Host Based Setup Service");
  ob_sim_instance_add_uint (i, "EnabledState", 5);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT Host Based Setup Service");
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  add_system_keys (i);
  return single (i);
}

static ObSimInstance *
port_instance (ObSimProvisioning *self,
               Port              *p,
               gboolean           wireless)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_EthernetPortSettings");
  gboolean show_address = p->ip != NULL;

  if (show_address && p->gateway != NULL)
    ob_sim_instance_add_string (i, "DefaultGateway", p->gateway);
  ob_sim_instance_add_bool (i, "DHCPEnabled", p->dhcp);
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Ethernet Port Settings");
  if (show_address)
    ob_sim_instance_add_string (i, "IPAddress", p->ip);
  ob_sim_instance_add_string (i, "InstanceID", wireless ? WIRELESS_ID : WIRED_ID);
  ob_sim_instance_add_bool (i, "IpSyncEnabled", p->ip_sync);
  ob_sim_instance_add_bool (i, "LinkIsUp", TRUE);
  ob_sim_instance_add_uint (i, "LinkPolicy", 1);
  ob_sim_instance_add_uint (i, "LinkPolicy", 14);
  ob_sim_instance_add_uint (i, "LinkPolicy", 16);
  if (wireless)
    {
      ob_sim_instance_add_uint (i, "LinkControl", 2);
      ob_sim_instance_add_uint (i, "LinkPreference", 2);
    }
  ob_sim_instance_add_string (i, "MACAddress", p->mac);
  ob_sim_instance_add_uint (i, "PhysicalConnectionType", wireless ? 3 : 0);
  if (show_address && p->dns1 != NULL)
    ob_sim_instance_add_string (i, "PrimaryDNS", p->dns1);
  if (show_address && p->dns2 != NULL)
    ob_sim_instance_add_string (i, "SecondaryDNS", p->dns2);
  ob_sim_instance_add_bool (i, "SharedDynamicIP", TRUE);
  ob_sim_instance_add_bool (i, "SharedMAC", TRUE);
  ob_sim_instance_add_bool (i, "SharedStaticIp", p->shared_static);
  if (show_address && p->netmask != NULL)
    ob_sim_instance_add_string (i, "SubnetMask", p->netmask);
  return i;
}

static GPtrArray *
ethernet_ports (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  g_ptr_array_add (list, port_instance (self, &self->wired, FALSE));
  if (self->has_wireless)
    g_ptr_array_add (list, port_instance (self, &self->wireless, TRUE));
  return list;
}

static GPtrArray *
ieee8021x_settings (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("IPS_IEEE8021xSettings");

  ob_sim_instance_add_bool (i, "AvailableInS0", TRUE);
  ob_sim_instance_add_string (i, "ElementName", IEEE8021X_ID);
  ob_sim_instance_add_uint (i, "Enabled", self->ieee8021x_enabled);
  ob_sim_instance_add_string (i, "InstanceID", IEEE8021X_ID);
  ob_sim_instance_add_uint (i, "PxeTimeout", 120);
  return single (i);
}

static GPtrArray *
certificates (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint k = 0; k < self->certificates->len; k++)
    {
      Certificate *c = g_ptr_array_index (self->certificates, k);
      ObSimInstance *i = ob_sim_instance_new ("AMT_PublicKeyCertificate");
      gsize len;
      const guint8 *data = g_bytes_get_data (c->der, &len);
      g_autofree char *b64 = g_base64_encode (data, len);

      ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Certificate");
      ob_sim_instance_add_string (i, "InstanceID", c->instance_id);
      ob_sim_instance_add_string (i, "Issuer", c->issuer);
      ob_sim_instance_add_bool (i, "ReadOnlyCertificate", FALSE);
      ob_sim_instance_add_string (i, "Subject", c->subject);
      ob_sim_instance_add_bool (i, "TrustedRootCertificate", c->trusted_root);
      ob_sim_instance_add_string (i, "X509Certificate", b64);
      g_ptr_array_add (list, i);
    }
  return list;
}

static GPtrArray *
key_pairs (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint k = 0; k < self->key_pairs->len; k++)
    {
      KeyPair *p = g_ptr_array_index (self->key_pairs, k);
      ObSimInstance *i = ob_sim_instance_new ("AMT_PublicPrivateKeyPair");
      gsize len;
      const guint8 *data = g_bytes_get_data (p->public_der, &len);
      g_autofree char *b64 = g_base64_encode (data, len);

      ob_sim_instance_add_string (i, "DERKey", b64);
      ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT Key");
      ob_sim_instance_add_string (i, "InstanceID", p->instance_id);
      g_ptr_array_add (list, i);
    }
  return list;
}

static GPtrArray *
tls_settings (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint k = 0; k < 2; k++)
    {
      TlsSettings *t = &self->tls[k];
      ObSimInstance *i = ob_sim_instance_new ("AMT_TLSSettingData");

      ob_sim_instance_add_bool (i, "AcceptNonSecureConnections", t->accept_non_secure);
      ob_sim_instance_add_string (i, "ElementName", k == 0 ? TLS_REMOTE_ID : TLS_LOCAL_ID);
      ob_sim_instance_add_bool (i, "Enabled", t->enabled);
      ob_sim_instance_add_string (i, "InstanceID", k == 0 ? TLS_REMOTE_ID : TLS_LOCAL_ID);
      ob_sim_instance_add_bool (i, "MutualAuthentication", t->mutual);
      if (k == 0)
        ob_sim_instance_add_bool (i, "NonSecureConnectionsSupported", TRUE);
      for (guint n = 0; n < t->trusted_cn->len; n++)
        ob_sim_instance_add_string (i, "TrustedCN", g_ptr_array_index (t->trusted_cn, n));
      g_ptr_array_add (list, i);
    }
  return list;
}

static const char *tls_collection_keys[] = { "ElementName", "TLSProtocolEndpointInstances Collection", NULL };

static GPtrArray *
tls_credential_contexts (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();
  ObSimInstance *i;
  const char *cert[] = { "InstanceID", self->tls_context_cert, NULL };

  if (self->tls_context_cert == NULL)
    return list;
  i = ob_sim_instance_new ("AMT_TLSCredentialContext");
  ob_sim_instance_add_reference (i, "ElementInContext", OB_WSMAN_URI_AMT "AMT_PublicKeyCertificate", cert);
  ob_sim_instance_add_reference (i, "ElementProvidingContext",
                                 OB_WSMAN_URI_AMT "AMT_TLSProtocolEndpointCollection", tls_collection_keys);
  g_ptr_array_add (list, i);
  return list;
}

static void
sap_selectors (const char  *name,
               const char **out)
{
  out[0] = "CreationClassName";
  out[1] = "AMT_ManagementPresenceRemoteSAP";
  out[2] = "Name";
  out[3] = name;
  out[4] = "SystemCreationClassName";
  out[5] = "CIM_ComputerSystem";
  out[6] = "SystemName";
  out[7] = "Intel(r) AMT";
  out[8] = NULL;
}

static void
rule_selectors (guint        trigger,
                const char **out)
{
  out[0] = "CreationClassName";
  out[1] = "AMT_RemoteAccessPolicyRule";
  out[2] = "PolicyRuleName";
  out[3] = rule_name (trigger);
  out[4] = "SystemCreationClassName";
  out[5] = "CIM_ComputerSystem";
  out[6] = "SystemName";
  out[7] = "Intel(r) AMT";
  out[8] = NULL;
}

static GPtrArray *
mps_saps (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint k = 0; k < self->mps_servers->len; k++)
    {
      MpServer *m = g_ptr_array_index (self->mps_servers, k);
      ObSimInstance *i = ob_sim_instance_new ("AMT_ManagementPresenceRemoteSAP");

      ob_sim_instance_add_string (i, "AccessInfo", m->access_info);
      if (m->common_name != NULL)
        ob_sim_instance_add_string (i, "CN", m->common_name);
      ob_sim_instance_add_string (i, "CreationClassName", "AMT_ManagementPresenceRemoteSAP");
      ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT:Management Presence Server");
      ob_sim_instance_add_uint (i, "InfoFormat", m->info_format);
      ob_sim_instance_add_string (i, "Name", m->name);
      ob_sim_instance_add_uint (i, "Port", m->port);
      add_system_keys (i);
      g_ptr_array_add (list, i);
    }
  return list;
}

static GPtrArray *
policy_rules (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint t = 0; t < 3; t++)
    {
      PolicyRule *r = self->rules[t];
      ObSimInstance *i;

      if (r == NULL)
        continue;
      i = ob_sim_instance_new ("AMT_RemoteAccessPolicyRule");
      ob_sim_instance_add_string (i, "CreationClassName", "AMT_RemoteAccessPolicyRule");
      ob_sim_instance_add_string (i, "ElementName", rule_name (t));
      ob_sim_instance_add_string (i, "ExtendedData", r->extended_data);
      ob_sim_instance_add_string (i, "PolicyRuleName", rule_name (t));
      add_system_keys (i);
      ob_sim_instance_add_uint (i, "Trigger", t);
      ob_sim_instance_add_uint (i, "TunnelLifeTime", r->tunnel_lifetime);
      g_ptr_array_add (list, i);
    }
  return list;
}

static GPtrArray *
policy_applies (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint t = 0; t < 3; t++)
    {
      PolicyRule *r = self->rules[t];

      for (guint k = 0; r != NULL && k < r->applies->len; k++)
        {
          Applies *a = &g_array_index (r->applies, Applies, k);
          ObSimInstance *i = ob_sim_instance_new ("AMT_RemoteAccessPolicyAppliesToMPS");
          const char *sap[9], *rule[9];

          sap_selectors (a->server, sap);
          rule_selectors (t, rule);
          ob_sim_instance_add_reference (i, "ManagedElement", OB_WSMAN_URI_AMT "AMT_ManagementPresenceRemoteSAP", sap);
          ob_sim_instance_add_uint (i, "MpsType", a->mps_type);
          ob_sim_instance_add_uint (i, "OrderOfAccess", a->order);
          ob_sim_instance_add_reference (i, "PolicySet", OB_WSMAN_URI_AMT "AMT_RemoteAccessPolicyRule", rule);
          g_ptr_array_add (list, i);
        }
    }
  return list;
}

static GPtrArray *
user_initiated_service (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_UserInitiatedConnectionService");

  ob_sim_instance_add_string (i, "CreationClassName", "AMT_UserInitiatedConnectionService");
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT User Initiated Connection Service");
  ob_sim_instance_add_uint (i, "EnabledState", self->user_initiated_state);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT User Initiated Connection Service");
  add_system_keys (i);
  return single (i);
}

static GPtrArray *
environment_detection (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_EnvironmentDetectionSettingData");

  ob_sim_instance_add_uint (i, "DetectionAlgorithm", 0);
  for (guint k = 0; k < self->detection_strings->len; k++)
    ob_sim_instance_add_string (i, "DetectionStrings", g_ptr_array_index (self->detection_strings, k));
  ob_sim_instance_add_string (i, "ElementName", ENV_ID);
  ob_sim_instance_add_string (i, "InstanceID", ENV_ID);
  return single (i);
}

static GPtrArray *
time_service (ObSimProvisioning *self)
{
  ObSimInstance *i = service_instance ("AMT_TimeSynchronizationService",
                                       "Intel(r) AMT Time Synchronization Service");

  ob_sim_instance_add_uint (i, "LocalTimeSyncEnabled", 0);
  ob_sim_instance_add_uint (i, "TimeSource", 0);
  return single (i);
}

static GPtrArray *
wifi_port_configuration (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("AMT_WiFiPortConfigurationService");

  ob_sim_instance_add_string (i, "CreationClassName", "AMT_WiFiPortConfigurationService");
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) AMT WiFiPort Configuration Service");
  ob_sim_instance_add_uint (i, "EnabledState", 5);
  ob_sim_instance_add_uint (i, "LastConnectedSsidUnderMeControl", 0);
  ob_sim_instance_add_string (i, "Name", "Intel(r) AMT WiFi Port Configuration Service");
  ob_sim_instance_add_uint (i, "NoHostCsmeSoftwarePolicy", 0);
  ob_sim_instance_add_uint (i, "RequestedState", 12);
  add_system_keys (i);
  ob_sim_instance_add_bool (i, "UEFIWiFiProfileShareEnabled", FALSE);
  ob_sim_instance_add_uint (i, "localProfileSynchronizationEnabled", self->wifi_sync);
  return single (i);
}

static GPtrArray *
wifi_port (ObSimProvisioning *self)
{
  ObSimInstance *i = ob_sim_instance_new ("CIM_WiFiPort");

  ob_sim_instance_add_string (i, "CreationClassName", "CIM_WiFiPort");
  ob_sim_instance_add_string (i, "DeviceID", "WiFi Port 0");
  ob_sim_instance_add_string (i, "ElementName", "Intel(r) Wireless LAN");
  ob_sim_instance_add_uint (i, "EnabledState", self->wifi_port_state);
  ob_sim_instance_add_uint (i, "HealthState", 5);
  ob_sim_instance_add_uint (i, "LinkTechnology", 11);
  ob_sim_instance_add_string (i, "PermanentAddress", self->wireless.mac);
  ob_sim_instance_add_uint (i, "PortType", 108);
  ob_sim_instance_add_uint (i, "RequestedState", self->wifi_port_state);
  ob_sim_instance_add_string (i, "SystemCreationClassName", "CIM_ComputerSystem");
  ob_sim_instance_add_string (i, "SystemName", "ManagedSystem");
  return single (i);
}

static GPtrArray *
wifi_endpoint_settings (ObSimProvisioning *self)
{
  GPtrArray *list = list_new ();

  for (guint k = 0; k < self->wifi_profiles->len; k++)
    {
      WifiProfile *w = g_ptr_array_index (self->wifi_profiles, k);
      ObSimInstance *i = ob_sim_instance_new ("CIM_WiFiEndpointSettings");

      ob_sim_instance_add_uint (i, "AuthenticationMethod", w->authentication);
      ob_sim_instance_add_uint (i, "BSSType", 3);
      ob_sim_instance_add_string (i, "ElementName", w->element_name);
      ob_sim_instance_add_uint (i, "EncryptionMethod", w->encryption);
      ob_sim_instance_add_string (i, "InstanceID", w->instance_id);
      ob_sim_instance_add_uint (i, "Priority", w->priority);
      ob_sim_instance_add_string (i, "SSID", w->ssid);
      g_ptr_array_add (list, i);
    }
  return list;
}

typedef GPtrArray *(*InstancesFunc) (ObSimProvisioning *self);

typedef struct
{
  const char    *class_name;
  InstancesFunc  instances;
  gboolean       wireless_only;
} OwnedClass;

static GPtrArray *
authorization_service (ObSimProvisioning *self)
{
  return single (service_instance ("AMT_AuthorizationService", "Intel(r) AMT Authorization Service"));
}

static GPtrArray *
public_key_service (ObSimProvisioning *self)
{
  return single (service_instance ("AMT_PublicKeyManagementService", "Intel(r) AMT Public Key Management Service"));
}

static GPtrArray *
remote_access_service (ObSimProvisioning *self)
{
  return single (service_instance ("AMT_RemoteAccessService", "Intel(r) AMT Remote Access Service"));
}

static const OwnedClass owned_classes[] = {
  { "AMT_GeneralSettings", general_settings, FALSE },
  { "IPS_HostBasedSetupService", host_based_setup, FALSE },
  { "AMT_AuthorizationService", authorization_service, FALSE },
  { "AMT_EthernetPortSettings", ethernet_ports, FALSE },
  { "IPS_IEEE8021xSettings", ieee8021x_settings, FALSE },
  { "AMT_PublicKeyManagementService", public_key_service, FALSE },
  { "AMT_PublicKeyCertificate", certificates, FALSE },
  { "AMT_PublicPrivateKeyPair", key_pairs, FALSE },
  { "AMT_TLSSettingData", tls_settings, FALSE },
  { "AMT_TLSCredentialContext", tls_credential_contexts, FALSE },
  { "AMT_RemoteAccessService", remote_access_service, FALSE },
  { "AMT_ManagementPresenceRemoteSAP", mps_saps, FALSE },
  { "AMT_RemoteAccessPolicyRule", policy_rules, FALSE },
  { "AMT_RemoteAccessPolicyAppliesToMPS", policy_applies, FALSE },
  { "AMT_UserInitiatedConnectionService", user_initiated_service, FALSE },
  { "AMT_EnvironmentDetectionSettingData", environment_detection, FALSE },
  { "AMT_TimeSynchronizationService", time_service, FALSE },
  { "AMT_WiFiPortConfigurationService", wifi_port_configuration, TRUE },
  { "CIM_WiFiPort", wifi_port, TRUE },
  { "CIM_WiFiEndpointSettings", wifi_endpoint_settings, TRUE },
  /* Methods only; Get and Enumerate stay with the dispatcher. */
  { "AMT_SetupAndConfigurationService", NULL, FALSE },
};

static const OwnedClass *
find_owned (ObSimProvisioning *self,
            const char        *class_name)
{
  if (class_name == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (owned_classes); i++)
    if (g_str_equal (owned_classes[i].class_name, class_name))
      return owned_classes[i].wireless_only && !self->has_wireless ? NULL : &owned_classes[i];
  return NULL;
}

/* ---- Get / Put / Delete ------------------------------------------------------ */

static char *
handle_get (Ctx              *ctx,
            const OwnedClass *owned)
{
  ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (ctx->call->request);
  g_autoptr(GPtrArray) list = owned->instances (ctx->self);

  for (guint i = 0; i < list->len; i++)
    if (ob_sim_instance_matches (g_ptr_array_index (list, i), selectors))
      return reply_instance (ctx, OB_WSMAN_ACTION_GET_RESPONSE, g_ptr_array_index (list, i));
  if (ob_wsman_selectors_get_length (selectors) == 0)
    return fault_destination_unreachable (ctx);
  return fault_invalid_selectors (ctx, "InvalidValue");
}

/* The Put reply: the instance of @owned whose InstanceID is @id (or the
 * first). */
static char *
put_reply (Ctx              *ctx,
           const OwnedClass *owned,
           const char       *id)
{
  g_autoptr(GPtrArray) list = owned->instances (ctx->self);

  for (guint i = 0; i < list->len; i++)
    {
      ObSimInstance *instance = g_ptr_array_index (list, i);

      if (id == NULL || g_strcmp0 (ob_sim_instance_lookup (instance, "InstanceID"), id) == 0)
        return reply_instance (ctx, OB_WSMAN_ACTION_PUT_RESPONSE, instance);
    }
  return fault_destination_unreachable (ctx);
}

static gboolean
read_arg_bool (Ctx        *ctx,
               const char *name,
               gboolean   *value)
{
  const char *text = arg (ctx, name);

  return text == NULL || parse_bool (text, value);
}

static gboolean
read_arg_uint (Ctx        *ctx,
               const char *name,
               guint64     max,
               guint      *value)
{
  const char *text = arg (ctx, name);

  return text == NULL || parse_uint (text, max, value);
}

static char *
put_general_settings (Ctx              *ctx,
                      const OwnedClass *owned)
{
  ObSimProvisioning *self = ctx->self;
  const char *hostname = arg (ctx, "HostName");
  const char *domain = arg (ctx, "DomainName");
  gboolean shared = self->shared_fqdn, rmcp = self->rmcp_ping, ping = self->ping, ddns = self->ddns_update;
  guint network = self->amt_network_enabled;

  if (!read_arg_bool (ctx, "SharedFQDN", &shared) || !read_arg_bool (ctx, "RmcpPingResponseEnabled", &rmcp) ||
      !read_arg_bool (ctx, "PingResponseEnabled", &ping) || !read_arg_bool (ctx, "DDNSUpdateEnabled", &ddns) ||
      !read_arg_uint (ctx, "AMTNetworkEnabled", 1, &network))
    return fault_invalid_representation (ctx, "InvalidValues");
  if ((hostname != NULL && !is_host_label (hostname)) || (domain != NULL && !is_domain (domain)))
    return fault_invalid_representation (ctx, "InvalidValues");

  self->shared_fqdn = shared;
  self->rmcp_ping = rmcp;
  self->ping = ping;
  self->ddns_update = ddns;
  self->amt_network_enabled = network;
  if (hostname != NULL)
    ob_sim_device_set_hostname (ctx->device, hostname);
  if (domain != NULL)
    ob_sim_device_set_domain_name (ctx->device, domain);
  return put_reply (ctx, owned, NULL);
}

static gboolean
read_address (Ctx         *ctx,
              const char  *name,
              char       **out)
{
  const char *text = arg (ctx, name);

  if (text == NULL)
    return TRUE;
  if (!is_ipv4 (text))
    return FALSE;
  g_free (*out);
  *out = g_strdup (text);
  return TRUE;
}

static char *
put_ethernet (Ctx              *ctx,
              const OwnedClass *owned)
{
  ObSimProvisioning *self = ctx->self;
  const char *id = selector (ctx, "InstanceID");
  gboolean wireless;
  Port *port;
  Port next = { 0 };
  gboolean ok = TRUE;

  if (id == NULL)
    id = arg (ctx, "InstanceID");
  if (id == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  if (g_str_equal (id, WIRED_ID))
    wireless = FALSE;
  else if (g_str_equal (id, WIRELESS_ID) && self->has_wireless)
    wireless = TRUE;
  else
    return fault_invalid_selectors (ctx, "InvalidValue");
  port = wireless ? &self->wireless : &self->wired;

  next.dhcp = port->dhcp;
  next.ip_sync = port->ip_sync;
  next.shared_static = port->shared_static;
  ok &= read_arg_bool (ctx, "DHCPEnabled", &next.dhcp);
  ok &= read_arg_bool (ctx, "IpSyncEnabled", &next.ip_sync);
  ok &= read_arg_bool (ctx, "SharedStaticIp", &next.shared_static);
  ok &= read_address (ctx, "IPAddress", &next.ip);
  ok &= read_address (ctx, "SubnetMask", &next.netmask);
  ok &= read_address (ctx, "DefaultGateway", &next.gateway);
  ok &= read_address (ctx, "PrimaryDNS", &next.dns1);
  ok &= read_address (ctx, "SecondaryDNS", &next.dns2);
  if (!ok)
    {
      port_clear (&next);
      return fault_invalid_representation (ctx, "InvalidValues");
    }

  /* Wireless is always DHCP; a static wired address without IP sync
   * needs the address and mask; DHCP never shares a static address. */
  if ((wireless && !next.dhcp) || (next.dhcp && next.shared_static) ||
      (!next.dhcp && !next.ip_sync && (next.ip == NULL || next.netmask == NULL)))
    {
      port_clear (&next);
      return fault_invalid_representation (ctx, "InvalidValues");
    }

  port->dhcp = next.dhcp;
  port->ip_sync = next.ip_sync;
  port->shared_static = next.shared_static;
  if (next.dhcp || next.ip_sync)
    {
      /* The address comes from DHCP or from the host OS. */
      port_clear (&next);
      port_clear (port);
      port->ip = g_strdup (self->host_ip);
      port->netmask = g_strdup (self->host_netmask);
      port->gateway = g_strdup (self->host_gateway);
      port->dns1 = g_strdup (self->host_dns);
    }
  else
    {
      port_clear (port);
      port->ip = next.ip;
      port->netmask = next.netmask;
      port->gateway = next.gateway;
      port->dns1 = next.dns1;
      port->dns2 = next.dns2;
    }
  return put_reply (ctx, owned, id);
}

static char *
put_ieee8021x (Ctx              *ctx,
               const OwnedClass *owned)
{
  guint enabled = ctx->self->ieee8021x_enabled;

  if (!read_arg_uint (ctx, "Enabled", G_MAXUINT32, &enabled) || (enabled != 2 && enabled != 3 && enabled != 6))
    return fault_invalid_representation (ctx, "InvalidValues");
  /* Enabling needs an EAP profile this simulator does not take. */
  if (enabled != 3 && arg (ctx, "AuthenticationProtocol") == NULL)
    return fault_invalid_representation (ctx, "MissingValues");
  ctx->self->ieee8021x_enabled = enabled;
  return put_reply (ctx, owned, NULL);
}

static char *
put_tls_settings (Ctx              *ctx,
                  const OwnedClass *owned)
{
  ObSimProvisioning *self = ctx->self;
  const char *id = selector (ctx, "InstanceID");
  TlsSettings *t;
  gboolean enabled, accept, mutual;
  g_autoptr(GPtrArray) cns = NULL;

  if (id == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  if (g_str_equal (id, TLS_REMOTE_ID))
    t = &self->tls[0];
  else if (g_str_equal (id, TLS_LOCAL_ID))
    t = &self->tls[1];
  else
    return fault_invalid_selectors (ctx, "InvalidValue");

  enabled = t->enabled;
  accept = t->accept_non_secure;
  mutual = t->mutual;
  if (!read_arg_bool (ctx, "Enabled", &enabled) || !read_arg_bool (ctx, "AcceptNonSecureConnections", &accept) ||
      !read_arg_bool (ctx, "MutualAuthentication", &mutual))
    return fault_invalid_representation (ctx, "InvalidValues");
  /* TLS needs a certificate to serve; the local interface follows the
   * remote one. */
  if (enabled && self->tls_context_cert == NULL)
    return fault_invalid_representation (ctx, "InvalidValues");
  if (t == &self->tls[1] && enabled && !self->tls[0].enabled)
    return fault_invalid_representation (ctx, "InvalidValues");

  t->enabled = enabled;
  t->accept_non_secure = accept;
  t->mutual = mutual;
  cns = arg_all (ctx, "TrustedCN");
  g_ptr_array_set_size (t->trusted_cn, 0);
  for (guint i = 0; i < cns->len; i++)
    g_ptr_array_add (t->trusted_cn, g_strdup (g_ptr_array_index (cns, i)));
  return put_reply (ctx, owned, id);
}

static PolicyRule *
find_rule_by_name (ObSimProvisioning *self,
                   const char        *name)
{
  for (guint t = 0; t < 3 && name != NULL; t++)
    if (self->rules[t] != NULL && g_str_equal (rule_name (t), name))
      return self->rules[t];
  return NULL;
}

static char *
put_policy_applies (Ctx              *ctx,
                    const OwnedClass *owned)
{
  ObSimProvisioning *self = ctx->self;
  ObWsmanSelectors *selectors = ob_wsman_request_get_selectors (ctx->call->request);
  const char *rule_name_text = epr_selector (selectors, "PolicySet", "PolicyRuleName");
  const char *server = epr_selector (selectors, "ManagedElement", "Name");
  PolicyRule *rule;
  Applies *found = NULL;
  guint mps_type, order;
  g_autoptr(GPtrArray) list = NULL;

  if (rule_name_text == NULL)
    rule_name_text = arg_epr (ctx, "PolicySet", "PolicyRuleName");
  if (server == NULL)
    server = arg_epr (ctx, "ManagedElement", "Name");
  if (rule_name_text == NULL || server == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  rule = find_rule_by_name (self, rule_name_text);
  for (guint k = 0; rule != NULL && k < rule->applies->len; k++)
    if (g_str_equal (g_array_index (rule->applies, Applies, k).server, server))
      found = &g_array_index (rule->applies, Applies, k);
  if (found == NULL)
    return fault_invalid_selectors (ctx, "InvalidValue");

  mps_type = found->mps_type;
  order = found->order;
  if (!read_arg_uint (ctx, "MpsType", 2, &mps_type) || !read_arg_uint (ctx, "OrderOfAccess", 255, &order))
    return fault_invalid_representation (ctx, "InvalidValues");
  found->mps_type = mps_type;
  found->order = order;

  /* Reply with the instance just written: instances are listed rule by
   * rule, server by server. */
  list = policy_applies (self);
  {
    guint position = 0;

    for (guint t = 0; t < 3; t++)
      for (guint k = 0; self->rules[t] != NULL && k < self->rules[t]->applies->len; k++, position++)
        if (&g_array_index (self->rules[t]->applies, Applies, k) == found && position < list->len)
          return reply_instance (ctx, OB_WSMAN_ACTION_PUT_RESPONSE, g_ptr_array_index (list, position));
  }
  return fault_destination_unreachable (ctx);
}

static char *
put_environment_detection (Ctx              *ctx,
                           const OwnedClass *owned)
{
  ObSimProvisioning *self = ctx->self;
  g_autoptr(GPtrArray) strings = arg_all (ctx, "DetectionStrings");

  if (strings->len > MAX_DETECTION_STRINGS)
    return fault_invalid_representation (ctx, "InvalidValues");
  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);

      if (*s == '\0' || strlen (s) > 192 || !is_domain (s))
        return fault_invalid_representation (ctx, "InvalidValues");
    }
  g_ptr_array_set_size (self->detection_strings, 0);
  for (guint i = 0; i < strings->len; i++)
    g_ptr_array_add (self->detection_strings, g_strdup (g_ptr_array_index (strings, i)));
  return put_reply (ctx, owned, NULL);
}

static char *
put_wifi_port_configuration (Ctx              *ctx,
                             const OwnedClass *owned)
{
  guint sync = ctx->self->wifi_sync;

  if (!read_arg_uint (ctx, "localProfileSynchronizationEnabled", 3, &sync) || sync == 2)
    return fault_invalid_representation (ctx, "InvalidValues");
  ctx->self->wifi_sync = sync;
  return put_reply (ctx, owned, NULL);
}

static char *
delete_reply (Ctx *ctx)
{
  return reply_empty (ctx, OB_WSMAN_ACTION_DELETE_RESPONSE);
}

static gboolean
certificate_in_use (ObSimProvisioning *self,
                    const char        *id)
{
  return g_strcmp0 (self->tls_context_cert, id) == 0;
}

static char *
delete_by_instance_id (Ctx       *ctx,
                       GPtrArray *array,
                       gsize      id_offset)
{
  const char *id = selector (ctx, "InstanceID");

  if (id == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  for (guint i = 0; i < array->len; i++)
    {
      gpointer item = g_ptr_array_index (array, i);
      const char *item_id = G_STRUCT_MEMBER (const char *, item, id_offset);

      if (g_str_equal (item_id, id))
        {
          if (array == ctx->self->certificates && certificate_in_use (ctx->self, id))
            return fault_access_denied (ctx);
          g_ptr_array_remove_index (array, i);
          return delete_reply (ctx);
        }
    }
  return fault_destination_unreachable (ctx);
}

static char *
delete_sap (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *name = selector (ctx, "Name");

  if (name == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  for (guint i = 0; i < self->mps_servers->len; i++)
    {
      MpServer *m = g_ptr_array_index (self->mps_servers, i);

      if (!g_str_equal (m->name, name))
        continue;
      /* Policies pointing at it lose it; a rule left with no server goes. */
      for (guint t = 0; t < 3; t++)
        {
          PolicyRule *r = self->rules[t];

          for (guint k = 0; r != NULL && k < r->applies->len;)
            if (g_str_equal (g_array_index (r->applies, Applies, k).server, name))
              g_array_remove_index (r->applies, k);
            else
              k++;
          if (r != NULL && r->applies->len == 0)
            g_clear_pointer (&self->rules[t], policy_rule_free);
        }
      g_ptr_array_remove_index (self->mps_servers, i);
      return delete_reply (ctx);
    }
  return fault_destination_unreachable (ctx);
}

static char *
delete_rule (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *name = selector (ctx, "PolicyRuleName");

  if (name == NULL)
    return fault_invalid_selectors (ctx, "InsufficientSelectors");
  for (guint t = 0; t < 3; t++)
    if (self->rules[t] != NULL && g_str_equal (rule_name (t), name))
      {
        g_clear_pointer (&self->rules[t], policy_rule_free);
        return delete_reply (ctx);
      }
  return fault_destination_unreachable (ctx);
}

static char *
delete_tls_context (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *cert = epr_selector (ob_wsman_request_get_selectors (ctx->call->request), "ElementInContext", "InstanceID");

  if (self->tls_context_cert == NULL || (cert != NULL && !g_str_equal (cert, self->tls_context_cert)))
    return fault_destination_unreachable (ctx);
  /* The firmware will not drop the context TLS is using. */
  if (self->tls[0].enabled || self->tls[1].enabled)
    return fault_access_denied (ctx);
  g_clear_pointer (&self->tls_context_cert, g_free);
  return delete_reply (ctx);
}

static Certificate *
find_certificate (ObSimProvisioning *self,
                  const char        *id)
{
  for (guint i = 0; id != NULL && i < self->certificates->len; i++)
    {
      Certificate *c = g_ptr_array_index (self->certificates, i);

      if (g_str_equal (c->instance_id, id))
        return c;
    }
  return NULL;
}

static char *
create_tls_context (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *cert_id = arg_epr (ctx, "ElementInContext", "InstanceID");
  Certificate *cert = find_certificate (self, cert_id);
  ObSimXmlWriter *w;
  const char *t;
  const char *selectors[] = { "InstanceID", cert_id, NULL };
  char *xml;

  if (cert == NULL || cert->trusted_root)
    return fault_invalid_representation (ctx, "InvalidValues");
  if (self->tls_context_cert != NULL)
    return fault_already_exists (ctx);
  self->tls_context_cert = g_strdup (cert_id);

  w = ob_sim_xml_writer_new ();
  t = ob_sim_xml_writer_prefix (w, NS_TRANSFER);
  ob_sim_xml_writer_open (w, t, "ResourceCreated");
  ob_sim_xml_writer_reference (w, OB_WSMAN_URI_AMT "AMT_TLSCredentialContext", selectors);
  ob_sim_xml_writer_close (w, t, "ResourceCreated");
  xml = ob_sim_xml_writer_finish (w, OB_WSMAN_ACTION_CREATE_RESPONSE, ctx->call->relates_to,
                                  ctx->call->message_id, ctx->call->resource_uri);
  ob_sim_xml_writer_free (w);
  return xml;
}

/* ---- methods: setup and configuration ---------------------------------------- */

static char *
method_unprovision (Ctx *ctx)
{
  guint mode = 1;

  if (!provisioned (ctx))
    return reply_rv (ctx, "Unprovision", PT_INVALID_PT_MODE);
  if (arg (ctx, "ProvisioningMode") != NULL && (!parse_uint (arg (ctx, "ProvisioningMode"), 4, &mode) || mode != 1))
    return reply_rv (ctx, "Unprovision", PT_INVALID_PARAMETER);
  ob_sim_provisioning_unprovision (ctx->self);
  return reply_rv (ctx, "Unprovision", PT_SUCCESS);
}

/* AMT's strong password rule (MEBx and admin): 8 to 32 characters with a
 * lower-case letter, an upper-case letter, a digit and a non-alphanumeric
 * printable ASCII character other than ':' ',' '"'. */
static gboolean
strong_password (const char *password)
{
  gboolean lower = FALSE, upper = FALSE, digit = FALSE, special = FALSE;
  gsize len = strlen (password);

  if (len < 8 || len > 32)
    return FALSE;
  for (const char *p = password; *p != '\0'; p++)
    {
      if (*p < 0x21 || *p > 0x7e || *p == ':' || *p == ',' || *p == '"')
        return FALSE;
      lower |= g_ascii_islower (*p);
      upper |= g_ascii_isupper (*p);
      digit |= g_ascii_isdigit (*p);
      special |= !g_ascii_isalnum (*p);
    }
  return lower && upper && digit && special;
}

static char *
method_set_mebx_password (Ctx *ctx)
{
  const char *password = arg (ctx, "Password");

  /* Only admin control mode may set the MEBx password remotely. */
  if (ob_sim_device_get_control_mode (ctx->device) != OB_SIM_CONTROL_MODE_ACM)
    return reply_rv (ctx, "SetMEBxPassword", PT_NOT_PERMITTED);
  if (password == NULL || !strong_password (password))
    return reply_rv (ctx, "SetMEBxPassword", PT_INVALID_PARAMETER);
  ob_secure_free_string (ctx->self->mebx_password);
  ctx->self->mebx_password = g_strdup (password);
  return reply_rv (ctx, "SetMEBxPassword", PT_SUCCESS);
}

static char *
method_commit_changes (Ctx *ctx)
{
  if (!provisioned (ctx))
    return reply_rv (ctx, "CommitChanges", PT_INVALID_PT_MODE);
  ctx->self->n_commits++;
  return reply_rv (ctx, "CommitChanges", PT_SUCCESS);
}

static char *
method_get_uuid (Ctx *ctx)
{
  guint8 raw[16];
  g_autofree char *b64 = NULL;
  Output out = { "UUID", NULL, NULL, NULL };

  if (!ob_uuid_parse (ob_sim_device_get_guid (ctx->device), raw))
    return reply_rv (ctx, "GetUuid", 1);
  /* The firmware's byte order: the first three groups little-endian. */
  ob_uuid_swap_smbios_order (raw);
  b64 = g_base64_encode (raw, sizeof raw);
  out.text = b64;
  return reply_method (ctx, "GetUuid", PT_SUCCESS, &out, 1);
}

/* ---- methods: host-based setup ---------------------------------------------- */

/* NetAdminPassEncryptionType 2 (HTTP digest MD5(A1)) with 32 hex digits. */
static gboolean
read_admin_hash (Ctx         *ctx,
                 const char **hash)
{
  guint type;

  if (!parse_uint (arg (ctx, "NetAdminPassEncryptionType"), 3, &type) || type != 2)
    return FALSE;
  *hash = arg (ctx, "NetworkAdminPassword");
  return is_hex (*hash, 32);
}

static char *
method_setup (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *hash;

  if (provisioned (ctx))
    return reply_rv (ctx, "Setup", OB_SIM_SETUP_INVALID_STATE);
  if (!self->allow_ccm)
    return reply_rv (ctx, "Setup", OB_SIM_SETUP_METHOD_DISABLED);
  if (!read_admin_hash (ctx, &hash))
    return reply_rv (ctx, "Setup", OB_SIM_SETUP_INVALID_PARAMETER);

  set_admin (self, OB_SIM_ADMIN_USERNAME, hash);
  reset_chain (self);
  ob_sim_device_set_control_mode (ctx->device, OB_SIM_CONTROL_MODE_CCM);
  g_debug ("%s: activated in client control mode", ob_sim_device_get_guid (ctx->device));
  return reply_rv (ctx, "Setup", OB_SIM_SETUP_SUCCESS);
}

static gboolean
hash_is_trusted (ObSimProvisioning *self,
                 GBytes            *der)
{
  static const ObHashAlgorithm algorithms[] = {
    OB_HASH_ALGORITHM_SHA256, OB_HASH_ALGORITHM_SHA1, OB_HASH_ALGORITHM_SHA384
  };

  for (guint a = 0; a < G_N_ELEMENTS (algorithms); a++)
    {
      g_autofree char *fingerprint = ob_crypto_fingerprint (der, algorithms[a]);

      for (guint i = 0; fingerprint != NULL && i < self->trusted_hashes->len; i++)
        if (g_ascii_strcasecmp (fingerprint, g_ptr_array_index (self->trusted_hashes, i)) == 0)
          return TRUE;
    }
  return FALSE;
}

/* The whole chain once the root arrived: each certificate issued by the
 * next, all valid now, the root self-signed with a trusted hash, the leaf
 * a provisioning certificate for the device's DNS suffix. */
static guint
verify_chain (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  gint64 now = ob_sim_device_get_time (ctx->device);
  const char *suffix = ob_sim_device_get_domain_name (ctx->device);
  g_autoptr(GPtrArray) certs = g_ptr_array_new_with_free_func ((GDestroyNotify) X509_free);
  g_autofree char *cn = NULL;
  X509 *root;

  for (guint i = 0; i < self->chain->len; i++)
    {
      X509 *x = x509_from_der (g_ptr_array_index (self->chain, i));

      if (x == NULL)
        return OB_SIM_HBS_INVALID_PARAMETER;
      g_ptr_array_add (certs, x);
      if (!x509_valid_at (x, now))
        return OB_SIM_HBS_CERT_VERIFY_FAILED;
    }
  for (guint i = 0; i + 1 < certs->len; i++)
    if (!x509_issued_by (g_ptr_array_index (certs, i), g_ptr_array_index (certs, i + 1)))
      return OB_SIM_HBS_CERT_VERIFY_FAILED;
  root = g_ptr_array_index (certs, certs->len - 1);
  if (!x509_issued_by (root, root))
    return OB_SIM_HBS_CERT_VERIFY_FAILED;
  if (!hash_is_trusted (self, g_ptr_array_index (self->chain, self->chain->len - 1)))
    {
      g_debug ("%s: provisioning root is not a trusted hash", ob_sim_device_get_guid (ctx->device));
      return OB_SIM_HBS_CERT_VERIFY_FAILED;
    }
  if (!x509_has_eku (g_ptr_array_index (certs, 0), AMT_PROVISIONING_EKU))
    {
      g_debug ("%s: the provisioning certificate lacks AMT's activation EKU", ob_sim_device_get_guid (ctx->device));
      return OB_SIM_HBS_CERT_VERIFY_FAILED;
    }
  cn = x509_common_name (g_ptr_array_index (certs, 0));
  if (*suffix != '\0' && (cn == NULL || !suffix_matches (cn, suffix)))
    {
      g_debug ("%s: provisioning certificate CN %s does not match DNS suffix %s",
               ob_sim_device_get_guid (ctx->device), cn != NULL ? cn : "(none)", suffix);
      return OB_SIM_HBS_CERT_VERIFY_FAILED;
    }
  return OB_SIM_HBS_SUCCESS;
}

static char *
method_add_next_cert_in_chain (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  g_autoptr(GBytes) der = base64_bytes (arg (ctx, "NextCertificate"));
  gboolean leaf, root;
  guint rv;
  X509 *x;

  if (ob_sim_device_get_control_mode (ctx->device) == OB_SIM_CONTROL_MODE_ACM || !self->allow_acm)
    return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_INVALID_STATE);
  if (der == NULL || !parse_bool (arg (ctx, "IsLeafCertificate"), &leaf) ||
      !parse_bool (arg (ctx, "IsRootCertificate"), &root))
    return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_INVALID_PARAMETER);
  x = x509_from_der (der);
  if (x == NULL)
    return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_INVALID_PARAMETER);
  X509_free (x);

  if (leaf)
    reset_chain (self);
  else if (self->chain->len == 0 || self->chain_complete)
    return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_INVALID_STATE);
  if (self->chain->len >= OB_SIM_MAX_CHAIN_LENGTH)
    {
      reset_chain (self);
      return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_CHAIN_TOO_LONG);
    }
  g_ptr_array_add (self->chain, g_bytes_ref (der));
  if (!root)
    return reply_rv (ctx, "AddNextCertInChain", OB_SIM_HBS_SUCCESS);

  rv = verify_chain (ctx);
  if (rv != OB_SIM_HBS_SUCCESS)
    reset_chain (self);
  else
    self->chain_complete = TRUE;
  return reply_rv (ctx, "AddNextCertInChain", rv);
}

/* The signature over ConfigurationNonce ‖ McNonce with the leaf's key.
 * The nonce is spent whatever the outcome. */
static guint
check_signature (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  g_autoptr(GBytes) mc_nonce = base64_bytes (arg (ctx, "McNonce"));
  g_autoptr(GBytes) signature = base64_bytes (arg (ctx, "DigitalSignature"));
  g_autoptr(GByteArray) data = NULL;
  g_autoptr(GBytes) signed_data = NULL;
  g_autoptr(GError) error = NULL;
  guint algorithm;

  if (mc_nonce == NULL || g_bytes_get_size (mc_nonce) != NONCE_LENGTH || signature == NULL ||
      !parse_uint (arg (ctx, "SigningAlgorithm"), 3, &algorithm) || algorithm != 2)
    return OB_SIM_SETUP_INVALID_PARAMETER;
  if (!self->chain_complete)
    return OB_SIM_SETUP_INVALID_STATE;

  data = g_byte_array_new ();
  g_byte_array_append (data, self->nonce, sizeof self->nonce);
  g_byte_array_append (data, g_bytes_get_data (mc_nonce, NULL), NONCE_LENGTH);
  signed_data = g_byte_array_free_to_bytes (g_steal_pointer (&data));
  if (!ob_crypto_verify_rsa_sha256 (g_ptr_array_index (self->chain, 0), signed_data, signature, &error))
    {
      g_debug ("%s: admin setup signature refused: %s", ob_sim_device_get_guid (ctx->device), error->message);
      return OB_SIM_SETUP_AUTH_FAILED;
    }
  return OB_SIM_SETUP_SUCCESS;
}

static char *
method_admin_setup (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *hash;
  guint rv;

  if (provisioned (ctx))
    rv = OB_SIM_SETUP_INVALID_STATE;
  else if (!self->allow_acm)
    rv = OB_SIM_SETUP_METHOD_DISABLED;
  else if (!read_admin_hash (ctx, &hash))
    rv = OB_SIM_SETUP_INVALID_PARAMETER;
  else
    rv = check_signature (ctx);

  if (rv == OB_SIM_SETUP_SUCCESS)
    {
      set_admin (self, OB_SIM_ADMIN_USERNAME, hash);
      ob_sim_device_set_control_mode (ctx->device, OB_SIM_CONTROL_MODE_ACM);
      g_debug ("%s: activated in admin control mode", ob_sim_device_get_guid (ctx->device));
    }
  /* A nonce signs one attempt only. */
  new_nonce (self);
  reset_chain (self);
  return reply_rv (ctx, "AdminSetup", rv);
}

static char *
method_upgrade_client_to_admin (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  guint rv;

  if (ob_sim_device_get_control_mode (ctx->device) != OB_SIM_CONTROL_MODE_CCM)
    rv = OB_SIM_SETUP_INVALID_STATE;
  else if (!self->allow_acm)
    rv = OB_SIM_SETUP_METHOD_DISABLED;
  else
    rv = check_signature (ctx);

  if (rv == OB_SIM_SETUP_SUCCESS)
    ob_sim_device_set_control_mode (ctx->device, OB_SIM_CONTROL_MODE_ACM);
  new_nonce (self);
  reset_chain (self);
  return reply_rv (ctx, "UpgradeClientToAdmin", rv);
}

static char *
method_set_admin_acl_entry_ex (Ctx *ctx)
{
  const char *username = arg (ctx, "Username");
  g_autoptr(GBytes) digest = base64_bytes (arg (ctx, "DigestPassword"));
  g_autofree char *ha1 = NULL;

  if (!provisioned (ctx))
    return reply_rv (ctx, "SetAdminAclEntryEx", PT_INVALID_PT_MODE);
  if (username == NULL || *username == '\0' || strlen (username) > 32 || strchr (username, ':') != NULL ||
      g_str_equal (username, OB_SIM_LSA_USERNAME) || digest == NULL || g_bytes_get_size (digest) != 16)
    return reply_rv (ctx, "SetAdminAclEntryEx", PT_INVALID_PARAMETER);
  ha1 = ob_hex_encode (g_bytes_get_data (digest, NULL), 16, FALSE);
  set_admin (ctx->self, username, ha1);
  return reply_rv (ctx, "SetAdminAclEntryEx", PT_SUCCESS);
}

/* ---- methods: certificates and keys ------------------------------------------ */

static Certificate *
add_certificate (ObSimProvisioning *self,
                 GBytes            *der,
                 X509              *x,
                 gboolean           trusted_root)
{
  Certificate *c = g_new0 (Certificate, 1);

  c->instance_id = g_strdup_printf (CERT_ID_PREFIX "%u", self->next_cert_handle++);
  c->der = g_bytes_ref (der);
  c->trusted_root = trusted_root;
  c->subject = x509_name_text (X509_get_subject_name (x));
  c->issuer = x509_name_text (X509_get_issuer_name (x));
  g_ptr_array_add (self->certificates, c);
  return c;
}

static char *
reply_created_certificate (Ctx         *ctx,
                           const char  *method,
                           Certificate *c)
{
  const char *selectors[] = { "InstanceID", c->instance_id, NULL };
  Output out = { "CreatedCertificate", NULL, OB_WSMAN_URI_AMT "AMT_PublicKeyCertificate", selectors };

  return reply_method (ctx, method, PT_SUCCESS, &out, 1);
}

static gboolean
certificate_known (ObSimProvisioning *self,
                   GBytes            *der)
{
  for (guint i = 0; i < self->certificates->len; i++)
    if (g_bytes_equal (((Certificate *) g_ptr_array_index (self->certificates, i))->der, der))
      return TRUE;
  return FALSE;
}

static char *
method_add_trusted_root (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  g_autoptr(GBytes) der = base64_bytes (arg (ctx, "CertificateBlob"));
  g_autoptr(X509) x = der != NULL ? x509_from_der (der) : NULL;

  if (x == NULL)
    return reply_rv (ctx, "AddTrustedRootCertificate", PT_INVALID_CERT);
  if (certificate_known (self, der))
    return reply_rv (ctx, "AddTrustedRootCertificate", PT_DUPLICATE);
  if (self->certificates->len >= MAX_CERTIFICATES)
    return reply_rv (ctx, "AddTrustedRootCertificate", PT_MAX_LIMIT_REACHED);
  return reply_created_certificate (ctx, "AddTrustedRootCertificate", add_certificate (self, der, x, TRUE));
}

static char *
method_add_certificate (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  g_autoptr(GBytes) der = base64_bytes (arg (ctx, "CertificateBlob"));
  g_autoptr(X509) x = der != NULL ? x509_from_der (der) : NULL;
  g_autoptr(GBytes) key = NULL;
  gboolean has_key = FALSE;

  if (x == NULL)
    return reply_rv (ctx, "AddCertificate", PT_INVALID_CERT);
  if (certificate_known (self, der))
    return reply_rv (ctx, "AddCertificate", PT_DUPLICATE);
  /* A certificate (not a root) needs its private key in the firmware. */
  key = public_key_der (X509_get0_pubkey (x));
  for (guint i = 0; key != NULL && i < self->key_pairs->len; i++)
    if (g_bytes_equal (((KeyPair *) g_ptr_array_index (self->key_pairs, i))->public_der, key))
      has_key = TRUE;
  if (!has_key)
    return reply_rv (ctx, "AddCertificate", PT_INVALID_KEY);
  if (self->certificates->len >= MAX_CERTIFICATES)
    return reply_rv (ctx, "AddCertificate", PT_MAX_LIMIT_REACHED);
  return reply_created_certificate (ctx, "AddCertificate", add_certificate (self, der, x, FALSE));
}

static char *
method_generate_key_pair (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  guint algorithm, length;
  EVP_PKEY *pkey;
  KeyPair *pair;
  const char *selectors[3];
  Output out = { "KeyPair", NULL, OB_WSMAN_URI_AMT "AMT_PublicPrivateKeyPair", selectors };

  if (!parse_uint (arg (ctx, "KeyAlgorithm"), 255, &algorithm) || algorithm != 0 ||
      !parse_uint (arg (ctx, "KeyLength"), 65535, &length) || length != 2048)
    return reply_rv (ctx, "GenerateKeyPair", PT_INVALID_PARAMETER);
  if (self->key_pairs->len >= MAX_KEY_PAIRS)
    return reply_rv (ctx, "GenerateKeyPair", PT_MAX_LIMIT_REACHED);
  pkey = EVP_PKEY_Q_keygen (NULL, NULL, "RSA", (size_t) length);
  if (pkey == NULL)
    return reply_rv (ctx, "GenerateKeyPair", 1);
  pair = g_new0 (KeyPair, 1);
  pair->instance_id = g_strdup_printf (KEY_ID_PREFIX "%u", self->next_key_handle++);
  pair->public_der = public_key_der (pkey);
  EVP_PKEY_free (pkey);
  if (pair->public_der == NULL)
    {
      key_pair_free (pair);
      return reply_rv (ctx, "GenerateKeyPair", 1);
    }
  g_ptr_array_add (self->key_pairs, pair);
  selectors[0] = "InstanceID";
  selectors[1] = pair->instance_id;
  selectors[2] = NULL;
  return reply_method (ctx, "GenerateKeyPair", PT_SUCCESS, &out, 1);
}

/* ---- methods: remote access (CIRA) --------------------------------------------- */

static MpServer *
find_mp_server (ObSimProvisioning *self,
                const char        *name)
{
  for (guint i = 0; name != NULL && i < self->mps_servers->len; i++)
    {
      MpServer *m = g_ptr_array_index (self->mps_servers, i);

      if (g_str_equal (m->name, name))
        return m;
    }
  return NULL;
}

static gboolean
valid_credential (const char *text)
{
  return text != NULL && *text != '\0' && strlen (text) <= 32;
}

static char *
method_add_mp_server (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *access_info = arg (ctx, "AccessInfo");
  const char *username = arg (ctx, "Username");
  const char *password = arg (ctx, "Password");
  const char *cn = arg (ctx, "CN");
  guint format, port, auth;
  gboolean format_ok;
  MpServer *m;
  const char *selectors[9];
  Output out = { "MpServer", NULL, OB_WSMAN_URI_AMT "AMT_ManagementPresenceRemoteSAP", selectors };

  if (access_info == NULL || *access_info == '\0' || strlen (access_info) > 256 ||
      !parse_uint (arg (ctx, "InfoFormat"), 255, &format) ||
      !parse_uint (arg (ctx, "Port"), 65535, &port) || port == 0 ||
      !parse_uint (arg (ctx, "AuthMethod"), 255, &auth) || (auth != 1 && auth != 2))
    return reply_rv (ctx, "AddMpServer", PT_INVALID_PARAMETER);
  switch (format)
    {
    case 3:
      format_ok = is_ipv4 (access_info);
      break;
    case 4:
      format_ok = is_ipv6 (access_info);
      break;
    case 201:
      format_ok = !is_ipv4 (access_info) && !is_ipv6 (access_info) && is_domain (access_info);
      break;
    default:
      format_ok = FALSE;
    }
  if (!format_ok)
    return reply_rv (ctx, "AddMpServer", PT_INVALID_PARAMETER);
  /* Password authentication needs both; an IP address needs the CN the
   * MPS certificate carries. */
  if (auth == 2 && (!valid_credential (username) || !valid_credential (password)))
    return reply_rv (ctx, "AddMpServer", PT_INVALID_PARAMETER);
  if (format != 201 && (cn == NULL || *cn == '\0'))
    return reply_rv (ctx, "AddMpServer", PT_INVALID_PARAMETER);
  for (guint i = 0; i < self->mps_servers->len; i++)
    {
      MpServer *other = g_ptr_array_index (self->mps_servers, i);

      if (g_ascii_strcasecmp (other->access_info, access_info) == 0 && other->port == port)
        return reply_rv (ctx, "AddMpServer", PT_DUPLICATE);
    }
  if (self->mps_servers->len >= MAX_MPS_SERVERS)
    return reply_rv (ctx, "AddMpServer", PT_MAX_LIMIT_REACHED);

  m = g_new0 (MpServer, 1);
  m->name = g_strdup_printf (SAP_NAME_PREFIX "%u", self->next_mps++);
  m->access_info = g_strdup (access_info);
  m->info_format = format;
  m->port = port;
  m->auth_method = auth;
  m->username = g_strdup (username);
  m->password = g_strdup (password);
  m->common_name = g_strdup (cn);
  g_ptr_array_add (self->mps_servers, m);
  sap_selectors (m->name, selectors);
  return reply_method (ctx, "AddMpServer", PT_SUCCESS, &out, 1);
}

static char *
method_add_policy_rule (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  const char *server = arg_epr (ctx, "MpServer", "Name");
  const char *extended = arg (ctx, "ExtendedData");
  guint trigger, lifetime;
  PolicyRule *rule;
  Applies applies = { 0 };
  const char *selectors[9];
  Output out = { "PolicyRule", NULL, OB_WSMAN_URI_AMT "AMT_RemoteAccessPolicyRule", selectors };

  if (!parse_uint (arg (ctx, "Trigger"), 2, &trigger) ||
      !parse_uint (arg (ctx, "TunnelLifeTime"), G_MAXUINT32, &lifetime))
    return reply_rv (ctx, "AddRemoteAccessPolicyRule", PT_INVALID_PARAMETER);
  if (find_mp_server (self, server) == NULL)
    return reply_rv (ctx, "AddRemoteAccessPolicyRule", PT_NOT_FOUND);
  if (extended == NULL)
    extended = "";
  /* The periodic rule carries its interval: two big-endian 32-bit
   * numbers (0 = interval, then seconds). */
  if (trigger == 2)
    {
      g_autoptr(GBytes) data = base64_bytes (extended);
      const guint8 *p;

      if (data == NULL || g_bytes_get_size (data) != 8)
        return reply_rv (ctx, "AddRemoteAccessPolicyRule", PT_INVALID_PARAMETER);
      p = g_bytes_get_data (data, NULL);
      if (p[0] != 0 || p[1] != 0 || p[2] != 0 || p[3] != 0 ||
          ((guint32) p[4] << 24 | (guint32) p[5] << 16 | (guint32) p[6] << 8 | p[7]) == 0)
        return reply_rv (ctx, "AddRemoteAccessPolicyRule", PT_INVALID_PARAMETER);
    }
  if (self->rules[trigger] != NULL)
    return reply_rv (ctx, "AddRemoteAccessPolicyRule", PT_DUPLICATE);

  rule = g_new0 (PolicyRule, 1);
  rule->trigger = trigger;
  rule->tunnel_lifetime = lifetime;
  rule->extended_data = g_strdup (extended);
  rule->applies = g_array_new (FALSE, TRUE, sizeof (Applies));
  g_array_set_clear_func (rule->applies, applies_clear);
  applies.server = g_strdup (server);
  applies.mps_type = 0;
  applies.order = 0;
  g_array_append_val (rule->applies, applies);
  self->rules[trigger] = rule;
  rule_selectors (trigger, selectors);
  return reply_method (ctx, "AddRemoteAccessPolicyRule", PT_SUCCESS, &out, 1);
}

static char *
method_user_initiated_state_change (Ctx *ctx)
{
  guint state;

  if (!parse_uint (arg (ctx, "RequestedState"), G_MAXUINT32, &state) || state < 32768 || state > 32771)
    return reply_rv (ctx, "RequestStateChange", PT_INVALID_PARAMETER);
  ctx->self->user_initiated_state = state;
  return reply_rv (ctx, "RequestStateChange", PT_SUCCESS);
}

/* ---- methods: time, wireless ------------------------------------------------------ */

static char *
method_get_low_accuracy_time (Ctx *ctx)
{
  char ta0[32];
  Output out = { "Ta0", ta0, NULL, NULL };

  ctx->self->last_ta0 = ob_sim_device_get_time (ctx->device);
  g_snprintf (ta0, sizeof ta0, "%" G_GINT64_FORMAT, ctx->self->last_ta0);
  return reply_method (ctx, "GetLowAccuracyTimeSynch", PT_SUCCESS, &out, 1);
}

static char *
method_set_high_accuracy_time (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  guint ta0, tm1, tm2;
  gint64 now, offset;

  if (!parse_uint (arg (ctx, "Ta0"), G_MAXUINT32, &ta0) || !parse_uint (arg (ctx, "Tm1"), G_MAXUINT32, &tm1) ||
      !parse_uint (arg (ctx, "Tm2"), G_MAXUINT32, &tm2) || tm2 < tm1)
    return reply_rv (ctx, "SetHighAccuracyTimeSynch", PT_INVALID_PARAMETER);
  /* Ta0 must be the firmware's own answer to GetLowAccuracyTimeSynch. */
  if (self->last_ta0 == 0 || (gint64) ta0 != self->last_ta0)
    return reply_rv (ctx, "SetHighAccuracyTimeSynch", PT_INVALID_PARAMETER);
  now = ob_sim_device_get_time (ctx->device);
  offset = (gint64) tm2 - now;
  /* The simulated clock only moves forward (alarms fall due as it does). */
  if (offset > 0)
    ob_sim_device_advance_clock (ctx->device, offset);
  self->last_time_sync = ob_sim_device_get_time (ctx->device);
  self->last_ta0 = 0;
  return reply_rv (ctx, "SetHighAccuracyTimeSynch", PT_SUCCESS);
}

static char *
method_wifi_port_state_change (Ctx *ctx)
{
  guint state;

  if (!parse_uint (arg (ctx, "RequestedState"), G_MAXUINT32, &state) ||
      (state != 3 && state != 32768 && state != 32769))
    return reply_rv (ctx, "RequestStateChange", CIM_INVALID_PARAMETER);
  ctx->self->wifi_port_state = state;
  return reply_rv (ctx, "RequestStateChange", 0);
}

static char *
method_add_wifi_settings (Ctx *ctx)
{
  ObSimProvisioning *self = ctx->self;
  JsonNode *body = ob_wsman_request_get_body_json (ctx->call->request);
  JsonObject *input = body != NULL && JSON_NODE_HOLDS_OBJECT (body)
                      ? json_member_object (json_node_get_object (body), "AddWiFiSettings_INPUT") : NULL;
  JsonObject *settings = json_member_object (input, "WiFiEndpointSettingsInput");
  const char *endpoint = arg_epr (ctx, "WiFiEndpoint", "Name");
  g_autofree char *name = json_text (settings, "ElementName");
  g_autofree char *instance_id = json_text (settings, "InstanceID");
  g_autofree char *ssid = json_text (settings, "SSID");
  g_autofree char *psk = json_text (settings, "PSKPassPhrase");
  g_autofree char *auth_text = json_text (settings, "AuthenticationMethod");
  g_autofree char *enc_text = json_text (settings, "EncryptionMethod");
  g_autofree char *priority_text = json_text (settings, "Priority");
  guint auth, enc, priority;
  gboolean psk_method;
  WifiProfile *w;
  const char *selectors[3];
  Output out = { "WiFiEndpointSettings", NULL, OB_WSMAN_URI_CIM "CIM_WiFiEndpointSettings", selectors };

  if (settings == NULL || g_strcmp0 (endpoint, "WiFi Endpoint 0") != 0 || name == NULL || ssid == NULL ||
      *ssid == '\0' || strlen (ssid) > 32 || !parse_uint (auth_text, 255, &auth) ||
      !parse_uint (enc_text, 255, &enc) || !parse_uint (priority_text, 255, &priority))
    return reply_rv (ctx, "AddWiFiSettings", PT_INVALID_PARAMETER);
  /* 4 WPA PSK, 6 WPA2 PSK (a passphrase of 8 to 63 characters); 5, 7
   * WPA/WPA2 IEEE 802.1x; encryption 3 TKIP, 4 CCMP. */
  psk_method = auth == 4 || auth == 6;
  if ((!psk_method && auth != 5 && auth != 7) || (enc != 3 && enc != 4) ||
      (psk_method && (psk == NULL || strlen (psk) < 8 || strlen (psk) > 63)))
    {
      if (psk != NULL)
        ob_secure_clear (psk, strlen (psk));
      return reply_rv (ctx, "AddWiFiSettings", PT_INVALID_PARAMETER);
    }
  if (psk != NULL)
    ob_secure_clear (psk, strlen (psk));
  /* 802.1x profiles need a client certificate this simulator has no
   * way to take. */
  if (!psk_method)
    return reply_rv (ctx, "AddWiFiSettings", PT_INVALID_PARAMETER);
  for (guint i = 0; i < self->wifi_profiles->len; i++)
    {
      WifiProfile *other = g_ptr_array_index (self->wifi_profiles, i);

      if (other->priority == priority || g_str_equal (other->element_name, name))
        return reply_rv (ctx, "AddWiFiSettings", PT_DUPLICATE);
    }
  if (self->wifi_profiles->len >= MAX_WIFI_PROFILES)
    return reply_rv (ctx, "AddWiFiSettings", PT_MAX_LIMIT_REACHED);

  w = g_new0 (WifiProfile, 1);
  w->element_name = g_strdup (name);
  w->instance_id = instance_id != NULL ? g_strdup (instance_id)
                                       : g_strconcat ("Intel(r) AMT:WiFi Endpoint Settings ", name, NULL);
  w->ssid = g_strdup (ssid);
  w->authentication = auth;
  w->encryption = enc;
  w->priority = priority;
  g_ptr_array_add (self->wifi_profiles, w);
  selectors[0] = "InstanceID";
  selectors[1] = w->instance_id;
  selectors[2] = NULL;
  return reply_method (ctx, "AddWiFiSettings", PT_SUCCESS, &out, 1);
}

/* ---- dispatch ------------------------------------------------------------------------ */

typedef char *(*MethodFunc) (Ctx *ctx);

typedef struct
{
  const char *class_name;
  const char *method;
  MethodFunc  func;
  /* Allowed before activation (host-based setup itself). */
  gboolean    pre_provisioning;
} MethodEntry;

static const MethodEntry methods[] = {
  { "AMT_SetupAndConfigurationService", "Unprovision", method_unprovision, TRUE },
  { "AMT_SetupAndConfigurationService", "SetMEBxPassword", method_set_mebx_password, FALSE },
  { "AMT_SetupAndConfigurationService", "CommitChanges", method_commit_changes, TRUE },
  { "AMT_SetupAndConfigurationService", "GetUuid", method_get_uuid, TRUE },
  { "IPS_HostBasedSetupService", "Setup", method_setup, TRUE },
  { "IPS_HostBasedSetupService", "AddNextCertInChain", method_add_next_cert_in_chain, TRUE },
  { "IPS_HostBasedSetupService", "AdminSetup", method_admin_setup, TRUE },
  { "IPS_HostBasedSetupService", "UpgradeClientToAdmin", method_upgrade_client_to_admin, TRUE },
  { "AMT_AuthorizationService", "SetAdminAclEntryEx", method_set_admin_acl_entry_ex, TRUE },
  { "AMT_PublicKeyManagementService", "AddTrustedRootCertificate", method_add_trusted_root, FALSE },
  { "AMT_PublicKeyManagementService", "AddCertificate", method_add_certificate, FALSE },
  { "AMT_PublicKeyManagementService", "GenerateKeyPair", method_generate_key_pair, FALSE },
  { "AMT_RemoteAccessService", "AddMpServer", method_add_mp_server, FALSE },
  { "AMT_RemoteAccessService", "AddRemoteAccessPolicyRule", method_add_policy_rule, FALSE },
  { "AMT_UserInitiatedConnectionService", "RequestStateChange", method_user_initiated_state_change, FALSE },
  { "AMT_TimeSynchronizationService", "GetLowAccuracyTimeSynch", method_get_low_accuracy_time, TRUE },
  { "AMT_TimeSynchronizationService", "SetHighAccuracyTimeSynch", method_set_high_accuracy_time, FALSE },
  { "AMT_WiFiPortConfigurationService", "AddWiFiSettings", method_add_wifi_settings, FALSE },
  { "CIM_WiFiPort", "RequestStateChange", method_wifi_port_state_change, FALSE },
};

typedef char *(*PutFunc) (Ctx *ctx, const OwnedClass *owned);

static const struct
{
  const char *class_name;
  PutFunc     func;
} put_handlers[] = {
  { "AMT_GeneralSettings", put_general_settings },
  { "AMT_EthernetPortSettings", put_ethernet },
  { "IPS_IEEE8021xSettings", put_ieee8021x },
  { "AMT_TLSSettingData", put_tls_settings },
  { "AMT_RemoteAccessPolicyAppliesToMPS", put_policy_applies },
  { "AMT_EnvironmentDetectionSettingData", put_environment_detection },
  { "AMT_WiFiPortConfigurationService", put_wifi_port_configuration },
};

static char *
handle_delete (Ctx        *ctx,
               const char *class_name)
{
  ObSimProvisioning *self = ctx->self;

  if (g_str_equal (class_name, "AMT_PublicKeyCertificate"))
    return delete_by_instance_id (ctx, self->certificates, G_STRUCT_OFFSET (Certificate, instance_id));
  if (g_str_equal (class_name, "AMT_PublicPrivateKeyPair"))
    return delete_by_instance_id (ctx, self->key_pairs, G_STRUCT_OFFSET (KeyPair, instance_id));
  if (g_str_equal (class_name, "CIM_WiFiEndpointSettings"))
    return delete_by_instance_id (ctx, self->wifi_profiles, G_STRUCT_OFFSET (WifiProfile, instance_id));
  if (g_str_equal (class_name, "AMT_ManagementPresenceRemoteSAP"))
    return delete_sap (ctx);
  if (g_str_equal (class_name, "AMT_RemoteAccessPolicyRule"))
    return delete_rule (ctx);
  if (g_str_equal (class_name, "AMT_TLSCredentialContext"))
    return delete_tls_context (ctx);
  return fault_action_not_supported (ctx);
}

char *
ob_sim_provisioning_handle (ObSimProvisioning           *self,
                            const ObSimProvisioningCall *call,
                            guint                       *status)
{
  const char *action;
  const char *method;
  const OwnedClass *owned;
  g_autofree char *expected_uri = NULL;
  Ctx ctx = { 0 };
  char *xml = NULL;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  g_return_val_if_fail (call != NULL && status != NULL, NULL);

  owned = find_owned (self, call->class_name);
  if (owned == NULL)
    return NULL;
  expected_uri = ob_wsman_resource_uri_for_class (owned->class_name);
  if (g_strcmp0 (expected_uri, call->resource_uri) != 0)
    return NULL;
  action = ob_wsman_request_get_action (call->request);
  method = ob_wsman_request_get_method (call->request);
  if (g_strcmp0 (action, OB_WSMAN_ACTION_ENUMERATE) == 0 || g_strcmp0 (action, OB_WSMAN_ACTION_PULL) == 0)
    return NULL;

  ctx.self = self;
  ctx.call = call;
  ctx.device = self->device;
  ctx.status = 200;

  if (g_strcmp0 (action, OB_WSMAN_ACTION_GET) == 0)
    {
      if (owned->instances == NULL)
        return NULL;
      xml = handle_get (&ctx, owned);
    }
  else if (method != NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (methods) && xml == NULL; i++)
        {
          if (!g_str_equal (methods[i].class_name, owned->class_name) || !g_str_equal (methods[i].method, method))
            continue;
          if (!methods[i].pre_provisioning && !provisioned (&ctx))
            xml = fault_access_denied (&ctx);
          else
            xml = methods[i].func (&ctx);
        }
      if (xml == NULL)
        {
          /* Methods of a class left to the dispatcher. */
          if (owned->instances == NULL)
            return NULL;
          xml = fault_action_not_supported (&ctx);
        }
    }
  else if (owned->instances == NULL)
    return NULL;
  else if (!provisioned (&ctx))
    xml = fault_access_denied (&ctx);
  else if (g_strcmp0 (action, OB_WSMAN_ACTION_PUT) == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (put_handlers) && xml == NULL; i++)
        if (g_str_equal (put_handlers[i].class_name, owned->class_name))
          xml = put_handlers[i].func (&ctx, owned);
      if (xml == NULL)
        xml = fault_action_not_supported (&ctx);
    }
  else if (g_strcmp0 (action, OB_WSMAN_ACTION_DELETE) == 0)
    xml = handle_delete (&ctx, owned->class_name);
  else if (g_strcmp0 (action, OB_WSMAN_ACTION_CREATE) == 0 &&
           g_str_equal (owned->class_name, "AMT_TLSCredentialContext"))
    xml = create_tls_context (&ctx);
  else
    xml = fault_action_not_supported (&ctx);

  *status = ctx.status;
  return xml;
}

GPtrArray *
ob_sim_provisioning_dup_instances (ObSimProvisioning *self,
                                   const char        *class_name)
{
  const OwnedClass *owned;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  owned = find_owned (self, class_name);
  if (owned == NULL || owned->instances == NULL)
    return NULL;
  return owned->instances (self);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ob_sim_provisioning_finalize (GObject *object)
{
  ObSimProvisioning *self = OB_SIM_PROVISIONING (object);

  g_ptr_array_unref (self->trusted_hashes);
  g_free (self->host_ip);
  g_free (self->host_netmask);
  g_free (self->host_gateway);
  g_free (self->host_dns);
  ob_secure_free_string (self->lsa_password);
  g_free (self->admin_username);
  ob_secure_free_string (self->admin_ha1);
  ob_secure_free_string (self->mebx_password);
  g_ptr_array_unref (self->chain);
  port_clear (&self->wired);
  port_clear (&self->wireless);
  g_free (self->wired.mac);
  g_free (self->wireless.mac);
  g_ptr_array_unref (self->certificates);
  g_ptr_array_unref (self->key_pairs);
  for (guint i = 0; i < 2; i++)
    g_ptr_array_unref (self->tls[i].trusted_cn);
  g_free (self->tls_context_cert);
  g_ptr_array_unref (self->mps_servers);
  for (guint i = 0; i < 3; i++)
    policy_rule_free (self->rules[i]);
  g_ptr_array_unref (self->detection_strings);
  g_ptr_array_unref (self->wifi_profiles);

  G_OBJECT_CLASS (ob_sim_provisioning_parent_class)->finalize (object);
}

static void
ob_sim_provisioning_class_init (ObSimProvisioningClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_sim_provisioning_finalize;
}

static void
ob_sim_provisioning_init (ObSimProvisioning *self)
{
  self->trusted_hashes = g_ptr_array_new_with_free_func (g_free);
  self->allow_ccm = TRUE;
  self->allow_acm = TRUE;
  self->chain = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  self->certificates = g_ptr_array_new_with_free_func (certificate_free);
  self->key_pairs = g_ptr_array_new_with_free_func (key_pair_free);
  for (guint i = 0; i < 2; i++)
    self->tls[i].trusted_cn = g_ptr_array_new_with_free_func (g_free);
  self->mps_servers = g_ptr_array_new_with_free_func (mp_server_free);
  self->detection_strings = g_ptr_array_new_with_free_func (g_free);
  self->wifi_profiles = g_ptr_array_new_with_free_func (wifi_profile_free);
  new_nonce (self);
}

static char *
random_lsa_password (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  guint8 raw[32];
  char *out = g_malloc0 (sizeof raw + 1);

  ob_random_bytes (raw, sizeof raw);
  for (gsize i = 0; i < sizeof raw; i++)
    out[i] = alphabet[raw[i] % (sizeof alphabet - 1)];
  ob_secure_clear (raw, sizeof raw);
  return out;
}

/* ---- public ------------------------------------------------------------------------- */

ObSimProvisioning *
ob_sim_provisioning_attach (ObSimDevice *device)
{
  ObSimProvisioning *self;
  guint8 raw[16];

  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  self = ob_sim_provisioning_peek (device);
  if (self != NULL)
    return self;

  self = g_object_new (OB_TYPE_SIM_PROVISIONING, NULL);
  self->device = device;
  self->lsa_password = random_lsa_password ();

  /* A host address and MACs of its own for each device, from its GUID. */
  if (!ob_uuid_parse (ob_sim_device_get_guid (device), raw))
    memset (raw, 0, sizeof raw);
  self->host_ip = g_strdup_printf ("10.%u.%u.%u", raw[13], raw[14], MAX (raw[15], 2) == 255 ? 254 : MAX (raw[15], 2));
  self->host_netmask = g_strdup ("255.0.0.0");
  self->host_gateway = g_strdup ("10.0.0.1");
  self->host_dns = g_strdup ("10.0.0.1");
  self->wired.mac = g_strdup_printf ("a4-ae-12-%02x-%02x-%02x", raw[13], raw[14], raw[15]);
  self->wireless.mac = g_strdup_printf ("a4-ae-13-%02x-%02x-%02x", raw[13], raw[14], raw[15]);
  reset_configuration (self);

  g_object_set_qdata_full (G_OBJECT (device), provisioning_quark (), self, g_object_unref);
  return self;
}

ObSimProvisioning *
ob_sim_provisioning_peek (ObSimDevice *device)
{
  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);
  return g_object_get_qdata (G_OBJECT (device), provisioning_quark ());
}

ObSimDevice *
ob_sim_provisioning_get_device (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return self->device;
}

gboolean
ob_sim_provisioning_add_trusted_hash (ObSimProvisioning *self,
                                      const char        *hex)
{
  gsize len;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);

  if (hex == NULL)
    return FALSE;
  len = strlen (hex);
  if ((len != 40 && len != 64 && len != 96) || !is_hex (hex, len))
    return FALSE;
  g_ptr_array_add (self->trusted_hashes, g_ascii_strdown (hex, -1));
  return TRUE;
}

GStrv
ob_sim_provisioning_dup_trusted_hashes (ObSimProvisioning *self)
{
  GStrv out;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  out = g_new0 (char *, self->trusted_hashes->len + 1);
  for (guint i = 0; i < self->trusted_hashes->len; i++)
    out[i] = g_strdup (g_ptr_array_index (self->trusted_hashes, i));
  return out;
}

void
ob_sim_provisioning_set_allowed_modes (ObSimProvisioning *self,
                                       gboolean           ccm,
                                       gboolean           acm)
{
  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));
  self->allow_ccm = ccm;
  self->allow_acm = acm;
}

void
ob_sim_provisioning_set_has_wireless (ObSimProvisioning *self,
                                      gboolean           has_wireless)
{
  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));
  self->has_wireless = has_wireless;
}

gboolean
ob_sim_provisioning_get_has_wireless (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);
  return self->has_wireless;
}

void
ob_sim_provisioning_set_host_ip (ObSimProvisioning *self,
                                 const char        *address,
                                 const char        *netmask,
                                 const char        *gateway,
                                 const char        *dns)
{
  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));
  g_return_if_fail (address != NULL && netmask != NULL);

  g_free (self->host_ip);
  self->host_ip = g_strdup (address);
  g_free (self->host_netmask);
  self->host_netmask = g_strdup (netmask);
  g_free (self->host_gateway);
  self->host_gateway = g_strdup (gateway);
  g_free (self->host_dns);
  self->host_dns = g_strdup (dns);
  if (self->wired.dhcp || self->wired.ip_sync)
    reset_port (self, &self->wired);
}

void
ob_sim_provisioning_get_host_ip (ObSimProvisioning *self,
                                 const char       **address,
                                 const char       **netmask,
                                 const char       **gateway,
                                 const char       **dns)
{
  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));

  if (address != NULL)
    *address = self->host_ip;
  if (netmask != NULL)
    *netmask = self->host_netmask;
  if (gateway != NULL)
    *gateway = self->host_gateway;
  if (dns != NULL)
    *dns = self->host_dns;
}

const char *
ob_sim_provisioning_get_lsa_password (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return self->lsa_password;
}

const char *
ob_sim_provisioning_get_admin_username (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return self->admin_username;
}

static char *
compute_ha1 (ObSimProvisioning *self,
             const char        *username,
             const char        *password)
{
  g_autofree char *a1 = g_strdup_printf ("%s:%s:%s", username, ob_sim_device_get_digest_realm (self->device),
                                         password);
  char *ha1 = md5_hex (a1);

  ob_secure_clear (a1, strlen (a1));
  return ha1;
}

void
ob_sim_provisioning_set_admin_password (ObSimProvisioning *self,
                                        const char        *password)
{
  g_autofree char *ha1 = NULL;
  const char *username;

  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));
  g_return_if_fail (password != NULL);

  username = self->admin_username != NULL ? self->admin_username : OB_SIM_ADMIN_USERNAME;
  ha1 = compute_ha1 (self, username, password);
  set_admin (self, username, ha1);
  ob_secure_clear (ha1, strlen (ha1));
}

gboolean
ob_sim_provisioning_check_admin_password (ObSimProvisioning *self,
                                          const char        *password)
{
  g_autofree char *ha1 = NULL;
  gboolean same;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);

  if (self->admin_ha1 == NULL || password == NULL)
    return FALSE;
  ha1 = compute_ha1 (self, self->admin_username, password);
  same = g_str_equal (ha1, self->admin_ha1);
  ob_secure_clear (ha1, strlen (ha1));
  return same;
}

char *
ob_sim_provisioning_dup_account_ha1 (ObSimProvisioning *self,
                                     const char        *username)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  if (username == NULL)
    return NULL;
  if (g_str_equal (username, OB_SIM_LSA_USERNAME))
    return compute_ha1 (self, OB_SIM_LSA_USERNAME, self->lsa_password);
  /* The admin account exists once the device is activated. */
  if (self->admin_ha1 != NULL && g_str_equal (username, self->admin_username) &&
      ob_sim_device_get_control_mode (self->device) != OB_SIM_CONTROL_MODE_PRE_PROVISIONING)
    return g_strdup (self->admin_ha1);
  return NULL;
}

const char *
ob_sim_provisioning_get_mebx_password (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return self->mebx_password;
}

GBytes *
ob_sim_provisioning_dup_nonce (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return g_bytes_new (self->nonce, sizeof self->nonce);
}

void
ob_sim_provisioning_unprovision (ObSimProvisioning *self)
{
  g_return_if_fail (OB_IS_SIM_PROVISIONING (self));

  g_clear_pointer (&self->admin_username, g_free);
  g_clear_pointer (&self->admin_ha1, ob_secure_free_string);
  g_clear_pointer (&self->mebx_password, ob_secure_free_string);
  reset_chain (self);
  new_nonce (self);
  reset_configuration (self);
  ob_sim_device_set_control_mode (self->device, OB_SIM_CONTROL_MODE_PRE_PROVISIONING);
}

guint
ob_sim_provisioning_get_n_mps_servers (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);
  return self->mps_servers->len;
}

gboolean
ob_sim_provisioning_get_mps_server (ObSimProvisioning *self,
                                    guint              index,
                                    const char       **access_info,
                                    guint             *info_format,
                                    guint             *port,
                                    const char       **username,
                                    const char       **password,
                                    const char       **common_name)
{
  MpServer *m;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);

  if (index >= self->mps_servers->len)
    return FALSE;
  m = g_ptr_array_index (self->mps_servers, index);
  if (access_info != NULL)
    *access_info = m->access_info;
  if (info_format != NULL)
    *info_format = m->info_format;
  if (port != NULL)
    *port = m->port;
  if (username != NULL)
    *username = m->username;
  if (password != NULL)
    *password = m->password;
  if (common_name != NULL)
    *common_name = m->common_name;
  return TRUE;
}

gboolean
ob_sim_provisioning_has_policy (ObSimProvisioning *self,
                                guint              trigger)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);
  return trigger < 3 && self->rules[trigger] != NULL;
}

guint
ob_sim_provisioning_get_periodic_interval (ObSimProvisioning *self)
{
  g_autoptr(GBytes) data = NULL;
  const guint8 *p;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);

  if (self->rules[2] == NULL)
    return 0;
  data = base64_bytes (self->rules[2]->extended_data);
  if (data == NULL || g_bytes_get_size (data) != 8)
    return 0;
  p = g_bytes_get_data (data, NULL);
  return (guint32) p[4] << 24 | (guint32) p[5] << 16 | (guint32) p[6] << 8 | p[7];
}

GPtrArray *
ob_sim_provisioning_dup_trusted_roots (ObSimProvisioning *self)
{
  GPtrArray *out;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < self->certificates->len; i++)
    {
      Certificate *c = g_ptr_array_index (self->certificates, i);

      if (c->trusted_root)
        g_ptr_array_add (out, g_bytes_ref (c->der));
    }
  return out;
}

GStrv
ob_sim_provisioning_dup_detection_strings (ObSimProvisioning *self)
{
  GStrv out;

  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  out = g_new0 (char *, self->detection_strings->len + 1);
  for (guint i = 0; i < self->detection_strings->len; i++)
    out[i] = g_strdup (g_ptr_array_index (self->detection_strings, i));
  return out;
}

guint
ob_sim_provisioning_get_user_initiated_state (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);
  return self->user_initiated_state;
}

gboolean
ob_sim_provisioning_get_dhcp_enabled (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);
  return self->wired.dhcp;
}

gboolean
ob_sim_provisioning_get_ip_sync_enabled (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);
  return self->wired.ip_sync;
}

const char *
ob_sim_provisioning_get_ip_address (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);
  return self->wired.ip;
}

gboolean
ob_sim_provisioning_get_tls_enabled (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), FALSE);
  return self->tls[0].enabled;
}

guint
ob_sim_provisioning_get_n_wifi_profiles (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);
  return self->wifi_profiles->len;
}

const char *
ob_sim_provisioning_get_wifi_ssid (ObSimProvisioning *self,
                                   guint              index)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), NULL);

  if (index >= self->wifi_profiles->len)
    return NULL;
  return ((WifiProfile *) g_ptr_array_index (self->wifi_profiles, index))->ssid;
}

gint64
ob_sim_provisioning_get_last_time_sync (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);
  return self->last_time_sync;
}

guint
ob_sim_provisioning_get_n_commits (ObSimProvisioning *self)
{
  g_return_val_if_fail (OB_IS_SIM_PROVISIONING (self), 0);
  return self->n_commits;
}
