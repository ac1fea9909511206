/* test-ui-rps.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include <adwaita.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ob-activation-row.h"
#include "ob-application.h"
#include "ob-cira-config-editor.h"
#include "ob-domain-editor.h"
#include "ob-ieee8021x-editor.h"
#include "ob-profile-editor.h"
#include "ob-provision-page.h"
#include "ob-rps-list-page.h"
#include "ob-sim-cira.h"
#include "ob-sim-device.h"
#include "ob-sim-provisioning.h"
#include "ob-sim-rpc.h"
#include "ob-sim-wsman-server.h"
#include "ob-window.h"
#include "ob-wireless-editor.h"
#include "ui-test-util.h"

/* Provisioning in the window: the app's own services (memory keyring,
 * throw-away data folder) with the provisioning server on a free port;
 * records made through the editors as an admin would (typing into the
 * rows, pressing Save); then a simulated device runs rpc-go's activation
 * against the server in this process, and the provision page follows it. */

#define AMT_PASSWORD "Str0ng!Pass"
#define PSK          "correct horse battery"

typedef struct
{
  ObApplication *app;
  ObWindow *window;
  ObServices *services;
  guint cira_port;
  guint rps_port;
  char *cira_password;
} Env;

static Env env;

/* A free port devices accept in a CIRA configuration (1024..49151: the
 * kernel's own picks are often above). */
static guint
free_port (void)
{
  g_autoptr(GInetAddress) any = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < 1000; attempt++)
    {
      guint port = g_random_int_range (20000, 49151);
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new (any, port);

      g_assert_nonnull (socket);
      if (g_socket_bind (socket, address, FALSE, NULL))
        return port;
    }

  g_assert_not_reached ();
}

static gboolean
services_running (gpointer data)
{
  return ob_services_get_state (OB_SERVICES (data)) == OB_SERVICES_STATE_RUNNING;
}

static gboolean
rps_listening (gpointer data)
{
  ObRpsServer *rps = ob_services_get_rps_server (env.services);

  return rps != NULL && ob_rps_server_get_listening (rps);
}

/* The one toplevel of @type, or NULL. */
static GtkWidget *
find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_visible (window))
        found = window;
    }

  return found;
}

static gboolean
window_gone (gpointer data)
{
  return find_window (GPOINTER_TO_SIZE (data)) == NULL;
}

static GtkWidget *
open_editor (const char *page_name,
             GType       type)
{
  GtkWidget *page = ob_window_get_page (env.window, page_name);
  GtkWidget *editor;

  ob_window_show_page (env.window, page_name);
  g_assert_true (gtk_widget_activate_action (page, "rps-list.add", NULL));
  editor = find_window (type);
  g_assert_nonnull (editor);
  wait_for (widget_is_mapped, editor, "the editor");
  wait_frames (editor);

  return editor;
}

static GtkWidget *
row (GtkWidget  *root,
     const char *title)
{
  GtkWidget *found = find_descendant (root, is_row_titled, title);

  g_assert_nonnull (found);
  return found;
}

static void
set_text (GtkWidget  *root,
          const char *title,
          const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (row (root, title)), text);
}

static void
set_switch (GtkWidget  *root,
            const char *title,
            gboolean    active)
{
  GtkWidget *sw = find_by_type (row (root, title), GTK_TYPE_SWITCH);

  g_assert_nonnull (sw);
  gtk_switch_set_active (GTK_SWITCH (sw), active);
}

static gboolean
save_enabled (GtkWidget *editor)
{
  GtkWidget *save = find_descendant (editor, is_label_with_text, "_Save");

  /* The button's label; the button is its parent. */
  g_assert_nonnull (save);
  return gtk_widget_is_sensitive (gtk_widget_get_parent (save));
}

static char *
secret (const char *owner,
        const char *id,
        const char *kind)
{
  g_autoptr(GError) error = NULL;
  char *text = ob_secret_store_lookup_text_sync (ob_services_get_secret_store (env.services),
                                                 owner, id, kind, NULL, &error);

  g_assert_no_error (error);
  return text;
}

static void
test_empty_states (void)
{
  GtkWidget *page = ob_window_get_page (env.window, "profiles");
  g_auto(GStrv) names = ob_rps_list_page_dup_names (OB_RPS_LIST_PAGE (page));

  g_assert_cmpuint (g_strv_length (names), ==, 0);
  ob_window_show_page (env.window, "profiles");
  wait_frames (GTK_WIDGET (env.window));
  g_assert_nonnull (find_descendant (page, is_label_with_text, "No Profiles"));
  save_screenshot (GTK_WIDGET (env.window), "ui-rps-profiles-empty.png");

  /* The provision page sends the admin to Profiles first. */
  ob_window_show_page (env.window, "provision");
  wait_frames (GTK_WIDGET (env.window));
  g_assert_nonnull (find_descendant (ob_window_get_page (env.window, "provision"),
                                     is_label_with_text, "Add a Profile First"));
}

static gboolean
has_cira_config (gpointer data)
{
  g_autoptr(ObCiraConfig) config = ob_store_get_cira_config (ob_services_get_store (env.services), data, NULL);

  return config != NULL;
}

static void
test_cira_config (void)
{
  GtkWidget *editor = open_editor ("cira-configs", OB_TYPE_CIRA_CONFIG_EDITOR);
  ObCiraConfigEditor *cira = OB_CIRA_CONFIG_EDITOR (editor);
  g_autoptr(ObCiraConfig) config = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *username = NULL;
  const char *address;
  GtkWidget *port;

  /* Filled in already: this machine's address, the CIRA port, generated
   * credentials. */
  address = gtk_editable_get_text (GTK_EDITABLE (row (editor, "MPS Address")));
  g_assert_cmpstr (address, !=, "");
  port = find_by_type (row (editor, "Port"), GTK_TYPE_SPIN_BUTTON);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (port)), ==, env.cira_port);
  username = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row (editor, "User Name"))));
  g_assert_cmpuint (strlen (username), >=, 5);
  env.cira_password = g_strdup (gtk_editable_get_text (GTK_EDITABLE (row (editor, "Password"))));
  g_assert_cmpuint (strlen (env.cira_password), >=, 8);
  g_assert_nonnull (ob_cira_config_editor_get_error (cira, "Name"));
  g_assert_false (save_enabled (editor));

  /* Bad input shows under its field, and Save waits. */
  set_text (editor, "Name", "office mps");
  g_assert_nonnull (strstr (ob_cira_config_editor_get_error (cira, "Name"), "without spaces"));
  set_text (editor, "MPS Address", "MPS.Example");
  g_assert_nonnull (ob_cira_config_editor_get_error (cira, "MPS Address"));
  set_text (editor, "User Name", "ab");
  g_assert_nonnull (ob_cira_config_editor_get_error (cira, "User Name"));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (port), 80);
  g_assert_nonnull (ob_cira_config_editor_get_error (cira, "Port"));
  g_assert_false (save_enabled (editor));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-cira-errors.png");

  /* The simulated device calls home to loopback. */
  set_text (editor, "Name", "office-mps");
  set_text (editor, "MPS Address", "127.0.0.1");
  set_text (editor, "User Name", username);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (port), env.cira_port);
  g_assert_null (ob_cira_config_editor_get_error (cira, "Name"));
  g_assert_null (ob_cira_config_editor_get_error (cira, "MPS Address"));
  g_assert_true (save_enabled (editor));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-cira-editor.png");

  g_assert_true (gtk_widget_activate_action (editor, "editor.save", NULL));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_CIRA_CONFIG_EDITOR), "the editor to close");
  wait_for (has_cira_config, (gpointer) "office-mps", "the CIRA configuration in the store");

  config = ob_store_get_cira_config (ob_services_get_store (env.services), "office-mps", NULL);
  g_assert_cmpstr (ob_cira_config_get_mps_server_address (config), ==, "127.0.0.1");
  g_assert_cmpuint (ob_cira_config_get_server_address_format (config), ==, OB_CIRA_ADDRESS_FORMAT_IPV4);
  g_assert_cmpstr (ob_cira_config_get_common_name (config), ==, "127.0.0.1");
  g_assert_cmpuint (ob_cira_config_get_mps_port (config), ==, env.cira_port);
  g_assert_cmpstr (ob_cira_config_get_username (config), ==, username);
  g_assert_cmpstr (ob_cira_config_get_mps_root_certificate (config), !=, "");
  stored = secret (OB_SECRET_OWNER_CIRA_CONFIG, "office-mps", OB_SECRET_KIND_MPS_PASSWORD);
  g_assert_cmpstr (stored, ==, env.cira_password);
}

static gboolean
list_has (gpointer data)
{
  const char * const *args = data;
  g_auto(GStrv) names = ob_rps_list_page_dup_names (OB_RPS_LIST_PAGE (ob_window_get_page (env.window, args[0])));

  return g_strv_contains ((const char * const *) names, args[1]);
}

static void
test_wireless (void)
{
  GtkWidget *editor = open_editor ("wireless", OB_TYPE_WIRELESS_EDITOR);
  ObWirelessEditor *wireless = OB_WIRELESS_EDITOR (editor);
  const char *args[] = { "wireless", "Office" };
  g_autoptr(ObWirelessConfig) config = NULL;
  g_autofree char *stored = NULL;

  set_text (editor, "Name", "Office Wifi");
  g_assert_nonnull (ob_wireless_editor_get_error (wireless, "Name"));
  set_text (editor, "Name", "Office");
  set_text (editor, "SSID", "OfficeNet");
  set_text (editor, "Passphrase", "short");
  g_assert_nonnull (strstr (ob_wireless_editor_get_error (wireless, "Passphrase"), "8 to 63"));
  g_assert_false (save_enabled (editor));
  set_text (editor, "Passphrase", PSK);
  g_assert_null (ob_wireless_editor_get_error (wireless, "Passphrase"));
  g_assert_true (save_enabled (editor));

  g_assert_true (gtk_widget_activate_action (editor, "editor.save", NULL));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_WIRELESS_EDITOR), "the editor to close");
  wait_for (list_has, args, "the wireless network in its list");

  config = ob_store_get_wireless_config (ob_services_get_store (env.services), "Office", NULL);
  g_assert_nonnull (config);
  g_assert_cmpstr (ob_wireless_config_get_ssid (config), ==, "OfficeNet");
  g_assert_cmpuint (ob_wireless_config_get_authentication_method (config), ==, 6);
  g_assert_cmpuint (ob_wireless_config_get_encryption_method (config), ==, 4);
  stored = secret (OB_SECRET_OWNER_WIRELESS, "Office", OB_SECRET_KIND_PSK_PASSPHRASE);
  g_assert_cmpstr (stored, ==, PSK);
}

static void
test_ieee8021x (void)
{
  GtkWidget *editor = open_editor ("ieee8021x", OB_TYPE_IEEE8021X_EDITOR);
  const char *args[] = { "ieee8021x", "wired1" };
  g_autoptr(ObIeee8021xConfig) config = NULL;

  set_text (editor, "Name", "wired 1");
  g_assert_nonnull (ob_ieee8021x_editor_get_error (OB_IEEE8021X_EDITOR (editor), "Name"));
  g_assert_false (save_enabled (editor));
  set_text (editor, "Name", "wired1");
  g_assert_true (save_enabled (editor));
  g_assert_true (gtk_widget_activate_action (editor, "editor.save", NULL));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_IEEE8021X_EDITOR), "the editor to close");
  wait_for (list_has, args, "the 802.1x configuration in its list");

  config = ob_store_get_ieee8021x_config (ob_services_get_store (env.services), "wired1", NULL);
  g_assert_nonnull (config);
  g_assert_true (ob_ieee8021x_config_get_wired_interface (config));
  g_assert_cmpuint (ob_ieee8021x_config_get_authentication_protocol (config), ==, 0);
  g_assert_cmpuint (ob_ieee8021x_config_get_pxe_timeout (config), ==, 120);
}

static void
test_profile (void)
{
  GtkWidget *editor = open_editor ("profiles", OB_TYPE_PROFILE_EDITOR);
  ObProfileEditor *profile_editor = OB_PROFILE_EDITOR (editor);
  const char *args[] = { "profiles", "ccm-cira" };
  g_autoptr(ObProfile) profile = NULL;
  g_autofree char *stored = NULL;
  g_autofree char *mebx = NULL;
  GPtrArray *links;
  const char *error;

  set_text (editor, "Name", "ccm-cira");

  /* A typed AMT password, with the rules shown while typing. */
  set_switch (editor, "Random AMT Password for Each Device", FALSE);
  g_assert_true (gtk_widget_get_visible (row (editor, "AMT Password")));
  g_assert_nonnull (ob_profile_editor_get_error (profile_editor, "AMT Password"));
  set_text (editor, "AMT Password", "weakpass");
  error = ob_profile_editor_get_error (profile_editor, "AMT Password");
  g_assert_nonnull (strstr (error, "an upper case letter"));
  g_assert_nonnull (strstr (error, "a digit"));
  g_assert_false (save_enabled (editor));
  set_text (editor, "AMT Password", "Weakpass1");
  error = ob_profile_editor_get_error (profile_editor, "AMT Password");
  g_assert_null (strstr (error, "a digit"));
  g_assert_nonnull (strstr (error, "one of"));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-profile-weak-password.png");
  set_text (editor, "AMT Password", AMT_PASSWORD);
  g_assert_null (ob_profile_editor_get_error (profile_editor, "AMT Password"));

  /* CIRA is chosen already (there is a configuration); the wireless
   * network goes on the list. */
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (row (editor, "Remote Access"))), ==, 1);
  g_assert_true (gtk_widget_activate_action (editor, "editor.add-wifi", NULL));
  g_assert_nonnull (find_descendant (editor, is_row_titled, "Office"));
  /* Wireless needs DHCP. */
  set_switch (editor, "DHCP", FALSE);
  g_assert_nonnull (ob_profile_editor_get_error (profile_editor, "DHCP"));
  g_assert_false (save_enabled (editor));
  set_switch (editor, "DHCP", TRUE);
  adw_combo_row_set_selected (ADW_COMBO_ROW (row (editor, "Wired 802.1x")), 1);
  set_text (editor, "Tags (Comma-Separated)", "lab, floor2");
  g_assert_true (save_enabled (editor));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-profile-editor.png");
  /* At phone width the editor still fits. */
  gtk_window_set_default_size (GTK_WINDOW (editor), 360, 640);
  wait_frames (editor);
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-profile-editor-narrow.png");

  g_assert_true (gtk_widget_activate_action (editor, "editor.save", NULL));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_PROFILE_EDITOR), "the editor to close");
  wait_for (list_has, args, "the profile in its list");

  profile = ob_store_get_profile (ob_services_get_store (env.services), "ccm-cira", NULL);
  g_assert_nonnull (profile);
  g_assert_cmpstr (ob_profile_get_activation (profile), ==, OB_PROFILE_ACTIVATION_CCM);
  g_assert_false (ob_profile_get_generate_random_password (profile));
  g_assert_cmpstr (ob_profile_get_cira_config_name (profile), ==, "office-mps");
  g_assert_cmpstr (ob_profile_get_user_consent (profile), ==, OB_PROFILE_USER_CONSENT_ALL);
  g_assert_true (ob_profile_get_dhcp_enabled (profile));
  g_assert_cmpstr (ob_profile_get_ieee8021x_profile_name (profile), ==, "wired1");
  g_assert_cmpuint (g_strv_length ((char **) ob_profile_get_tags (profile)), ==, 2);
  links = ob_profile_get_wifi_links (profile);
  g_assert_cmpuint (links->len, ==, 1);
  g_assert_cmpstr (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->name, ==, "Office");
  g_assert_cmpuint (((ObProfileWifiLink *) g_ptr_array_index (links, 0))->priority, ==, 1);
  stored = secret (OB_SECRET_OWNER_PROFILE, "ccm-cira", OB_SECRET_KIND_AMT_PASSWORD);
  g_assert_cmpstr (stored, ==, AMT_PASSWORD);
  mebx = secret (OB_SECRET_OWNER_PROFILE, "ccm-cira", OB_SECRET_KIND_MEBX_PASSWORD);
  g_assert_null (mebx);

  ob_window_show_page (env.window, "profiles");
  wait_frames (GTK_WIDGET (env.window));
  save_screenshot (GTK_WIDGET (env.window), "ui-rps-profiles.png");
}

static void
test_in_use (void)
{
  GtkWidget *page = ob_window_get_page (env.window, "cira-configs");
  g_autoptr(GError) error = NULL;
  g_autoptr(ObCiraConfig) config = NULL;

  /* The profile uses it: the refusal names the profile. */
  g_assert_false (ob_rps_list_page_delete (OB_RPS_LIST_PAGE (page), "office-mps", &error));
  g_assert_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "ccm-cira"));
  config = ob_store_get_cira_config (ob_services_get_store (env.services), "office-mps", NULL);
  g_assert_nonnull (config);

  g_clear_error (&error);
  g_assert_false (ob_rps_list_page_delete (OB_RPS_LIST_PAGE (ob_window_get_page (env.window, "ieee8021x")),
                                           "wired1", &error));
  g_assert_nonnull (strstr (error->message, "ccm-cira"));
}

static void
test_domain_errors (void)
{
  GtkWidget *editor = open_editor ("domains", OB_TYPE_DOMAIN_EDITOR);
  ObDomainEditor *domain = OB_DOMAIN_EDITOR (editor);
  g_autoptr(GBytes) junk = g_bytes_new_static ("not a pfx", 9);

  set_text (editor, "Name", "corp");
  set_text (editor, "DNS Suffix", "Not A Suffix");
  g_assert_nonnull (strstr (ob_domain_editor_get_error (domain, "DNS Suffix"), "corp.example.com"));
  set_text (editor, "DNS Suffix", "corp.example.com");
  g_assert_null (ob_domain_editor_get_error (domain, "DNS Suffix"));
  g_assert_nonnull (ob_domain_editor_get_error (domain, "Certificate File"));

  /* A file that is no PKCS#12 is refused once opened (off the main
   * thread). */
  set_text (editor, "Certificate Password", "secret");
  ob_domain_editor_set_file_contents (domain, "junk.pfx", junk);
  while (ob_domain_editor_get_error (domain, "Certificate File") == NULL &&
         ob_domain_editor_get_error (domain, "Certificate Password") == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (save_enabled (editor));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-domain-errors.png");
  gtk_window_close (GTK_WINDOW (editor));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_DOMAIN_EDITOR), "the editor to close");
}

/* ------------------------------------------------------------------------
 * A provisioning certificate chain for the domain editor
 * ------------------------------------------------------------------------ */

#define PFX_PASSWORD "pfx-secret"
#define LEAF_CN      "provision.corp.example.com"

static void
add_ext (X509       *cert,
         X509       *issuer,
         int         nid,
         const char *value)
{
  X509V3_CTX ctx;
  X509_EXTENSION *ext;

  X509V3_set_ctx (&ctx, issuer, cert, NULL, NULL, 0);
  ext = X509V3_EXT_nconf_nid (NULL, &ctx, nid, value);
  g_assert_nonnull (ext);
  g_assert_cmpint (X509_add_ext (cert, ext, -1), ==, 1);
  X509_EXTENSION_free (ext);
}

/* Valid from @from to @to seconds from now; @issuer NULL: self-signed. */
static X509 *
issue (const char *cn,
       EVP_PKEY   *key,
       X509       *issuer,
       EVP_PKEY   *issuer_key,
       long        from,
       long        to,
       long        serial)
{
  X509 *cert = X509_new ();
  X509_NAME *name = X509_NAME_new ();

  g_assert_cmpint (X509_set_version (cert, X509_VERSION_3), ==, 1);
  g_assert_cmpint (ASN1_INTEGER_set (X509_get_serialNumber (cert), serial), ==, 1);
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notBefore (cert), from));
  g_assert_nonnull (X509_gmtime_adj (X509_getm_notAfter (cert), to));
  g_assert_cmpint (X509_set_pubkey (cert, key), ==, 1);
  g_assert_cmpint (X509_NAME_add_entry_by_NID (name, NID_commonName, MBSTRING_UTF8,
                                               (const unsigned char *) cn, -1, -1, 0), ==, 1);
  g_assert_cmpint (X509_set_subject_name (cert, name), ==, 1);
  g_assert_cmpint (X509_set_issuer_name (cert, issuer != NULL ? X509_get_subject_name (issuer) : name), ==, 1);
  X509_NAME_free (name);
  add_ext (cert, issuer != NULL ? issuer : cert, NID_basic_constraints,
           issuer == NULL || g_str_has_suffix (cn, "CA") ? "critical,CA:TRUE" : "critical,CA:FALSE");
  if (issuer != NULL && !g_str_has_suffix (cn, "CA"))
    add_ext (cert, issuer, NID_ext_key_usage, "serverAuth,2.16.840.1.113741.1.2.3");
  g_assert_cmpint (X509_sign (cert, issuer_key != NULL ? issuer_key : key, EVP_sha256 ()), >, 0);

  return cert;
}

/* A PKCS#12 file of @leaf's key with @certs. */
static GBytes *
pack (EVP_PKEY *leaf_key,
      X509    **certs,
      guint     n_certs)
{
  STACK_OF(X509) *stack = sk_X509_new_null ();
  PKCS12 *p12;
  unsigned char *der = NULL;
  GBytes *bytes;
  int len;

  for (guint i = 0; i < n_certs; i++)
    sk_X509_push (stack, certs[i]);
  p12 = PKCS12_create_ex (PFX_PASSWORD, "provisioning", leaf_key, NULL, stack, 0, 0, 0, 0, 0, NULL, NULL);
  sk_X509_free (stack);
  g_assert_nonnull (p12);
  len = i2d_PKCS12 (p12, &der);
  PKCS12_free (p12);
  g_assert_cmpint (len, >, 0);
  bytes = g_bytes_new (der, len);
  OPENSSL_free (der);

  return bytes;
}

typedef struct
{
  GBytes *good;
  GBytes *expired;
  GBytes *incomplete;
} Pfxs;

static void
make_pfxs (Pfxs *out)
{
  const long day = 24 * 3600;
  EVP_PKEY *root_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  EVP_PKEY *ca_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  EVP_PKEY *leaf_key = EVP_PKEY_Q_keygen (NULL, NULL, "EC", "P-256");
  X509 *root = issue ("Corp Root", root_key, NULL, NULL, -day, 3650 * day, 1);
  X509 *ca = issue ("Corp Issuing CA", ca_key, root, root_key, -day, 1825 * day, 2);
  X509 *leaf = issue (LEAF_CN, leaf_key, ca, ca_key, -day, 365 * day, 3);
  X509 *old = issue (LEAF_CN, leaf_key, ca, ca_key, -400 * day, -2 * day, 4);
  X509 *good[] = { leaf, ca, root };
  X509 *expired[] = { old, ca, root };
  X509 *incomplete[] = { leaf, ca };

  out->good = pack (leaf_key, good, G_N_ELEMENTS (good));
  out->expired = pack (leaf_key, expired, G_N_ELEMENTS (expired));
  out->incomplete = pack (leaf_key, incomplete, G_N_ELEMENTS (incomplete));

  X509_free (root);
  X509_free (ca);
  X509_free (leaf);
  X509_free (old);
  EVP_PKEY_free (root_key);
  EVP_PKEY_free (ca_key);
  EVP_PKEY_free (leaf_key);
}

typedef struct
{
  ObDomainEditor *editor;
  const char     *field;
} FieldError;

static gboolean
field_has_error (gpointer data)
{
  FieldError *f = data;

  return ob_domain_editor_get_error (f->editor, f->field) != NULL;
}

static gboolean
chain_shown (gpointer data)
{
  return find_descendant (GTK_WIDGET (data), is_row_titled, "Corp Root") != NULL;
}

static gboolean
has_domain (gpointer data)
{
  g_autoptr(ObDomain) domain = ob_store_get_domain (ob_services_get_store (env.services), data, NULL);

  return domain != NULL;
}

static void
test_domain_chain (void)
{
  GtkWidget *editor = open_editor ("domains", OB_TYPE_DOMAIN_EDITOR);
  ObDomainEditor *domain_editor = OB_DOMAIN_EDITOR (editor);
  FieldError file_error = { domain_editor, "Certificate File" };
  FieldError password_error = { domain_editor, "Certificate Password" };
  FieldError suffix_error = { domain_editor, "DNS Suffix" };
  g_autoptr(ObDomain) domain = NULL;
  g_autoptr(GBytes) stored_pfx = NULL;
  g_autofree char *stored_password = NULL;
  g_autoptr(GError) error = NULL;
  Pfxs pfxs;

  make_pfxs (&pfxs);
  set_text (editor, "Name", "corp");
  set_text (editor, "DNS Suffix", "corp.example.com");
  set_text (editor, "Certificate Password", PFX_PASSWORD);

  /* Refused with the reason: expired, then no root. */
  ob_domain_editor_set_file_contents (domain_editor, "old.pfx", pfxs.expired);
  wait_for (field_has_error, &file_error, "the expired certificate refused");
  g_assert_nonnull (strstr (ob_domain_editor_get_error (domain_editor, "Certificate File"), "expired"));
  g_assert_false (save_enabled (editor));
  ob_domain_editor_set_file_contents (domain_editor, "partial.pfx", pfxs.incomplete);
  wait_for (field_has_error, &file_error, "the incomplete chain refused");
  g_assert_nonnull (strstr (ob_domain_editor_get_error (domain_editor, "Certificate File"), "root"));
  g_assert_false (save_enabled (editor));

  /* A wrong password is said on the password. */
  ob_domain_editor_set_file_contents (domain_editor, "corp.pfx", pfxs.good);
  set_text (editor, "Certificate Password", "wrong");
  wait_for (field_has_error, &password_error, "the wrong password said");
  g_assert_false (save_enabled (editor));

  /* The right one shows the chain, its expiry and the root's
   * fingerprint; a suffix the certificate is not for is refused. */
  set_text (editor, "Certificate Password", PFX_PASSWORD);
  wait_for (chain_shown, editor, "the chain");
  g_assert_nonnull (find_descendant (editor, is_row_titled, "Corp Issuing CA"));
  g_assert_nonnull (find_descendant (editor, is_row_titled, LEAF_CN));
  g_assert_cmpuint (strlen (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (editor, "Root Fingerprint (SHA-256)")))), >, 60);
  g_assert_null (ob_domain_editor_get_error (domain_editor, "Certificate File"));
  set_text (editor, "DNS Suffix", "other.test");
  wait_for (field_has_error, &suffix_error, "the suffix refused");
  g_assert_nonnull (strstr (ob_domain_editor_get_error (domain_editor, "DNS Suffix"), LEAF_CN));
  set_text (editor, "DNS Suffix", "corp.example.com");
  g_assert_true (save_enabled (editor));
  wait_frames (editor);
  save_screenshot (editor, "ui-rps-domain-chain.png");

  g_assert_true (gtk_widget_activate_action (editor, "editor.save", NULL));
  wait_for (window_gone, GSIZE_TO_POINTER (OB_TYPE_DOMAIN_EDITOR), "the editor to close");
  wait_for (has_domain, (gpointer) "corp", "the domain in the store");

  domain = ob_store_get_domain (ob_services_get_store (env.services), "corp", NULL);
  g_assert_cmpstr (ob_domain_get_domain_suffix (domain), ==, "corp.example.com");
  g_assert_nonnull (ob_domain_get_expiration_date (domain));
  stored_pfx = ob_secret_store_lookup_sync (ob_services_get_secret_store (env.services), OB_SECRET_OWNER_DOMAIN,
                                            "corp", OB_SECRET_KIND_PFX, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_bytes_equal (stored_pfx, pfxs.good));
  stored_password = secret (OB_SECRET_OWNER_DOMAIN, "corp", OB_SECRET_KIND_PFX_PASSWORD);
  g_assert_cmpstr (stored_password, ==, PFX_PASSWORD);

  g_bytes_unref (pfxs.good);
  g_bytes_unref (pfxs.expired);
  g_bytes_unref (pfxs.incomplete);
}

static void
test_provision_command (void)
{
  ObProvisionPage *page = OB_PROVISION_PAGE (ob_window_get_page (env.window, "provision"));
  g_autofree char *linux_command = NULL;
  g_autofree char *windows_command = NULL;
  g_autofree char *port = g_strdup_printf (":%u/activate ", env.rps_port);

  ob_window_show_page (env.window, "provision");
  g_assert_true (ob_provision_page_select_profile (page, "ccm-cira"));
  linux_command = ob_provision_page_dup_command (page, OB_PROVISION_LINUX);
  windows_command = ob_provision_page_dup_command (page, OB_PROVISION_WINDOWS);
  g_assert_true (g_str_has_prefix (linux_command, "sudo ./rpc activate -u wss://"));
  g_assert_nonnull (strstr (linux_command, port));
  g_assert_true (g_str_has_suffix (linux_command, " -profile ccm-cira -n"));
  g_assert_true (g_str_has_prefix (windows_command, "rpc.exe activate -u wss://"));
  g_assert_true (g_str_has_suffix (windows_command, " -profile ccm-cira -n"));
  /* What the rows show is what is copied. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (GTK_WIDGET (page), "Linux"))), ==,
                   linux_command);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row (GTK_WIDGET (page), "Windows"))), ==,
                   windows_command);

  /* Names a shell would split are quoted. */
  g_free (linux_command);
  linux_command = ob_provision_command_line (OB_PROVISION_LINUX, "10.0.0.5", 8080, "lab(1);x");
  g_assert_cmpstr (linux_command, ==, "sudo ./rpc activate -u wss://10.0.0.5:8080/activate -profile 'lab(1);x' -n");
  g_free (windows_command);
  windows_command = ob_provision_command_line (OB_PROVISION_WINDOWS, "fe80::1", 8080, "a&b");
  g_assert_cmpstr (windows_command, ==, "rpc.exe activate -u wss://[fe80::1]:8080/activate -profile \"a&b\" -n");
}

typedef struct
{
  GAsyncResult *result;
} Pending;

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Pending *pending = user_data;

  pending->result = g_object_ref (result);
}

static gboolean
has_result (gpointer data)
{
  return ((Pending *) data)->result != NULL;
}

static gboolean
has_activation_with_steps (gpointer data)
{
  ObProvisionPage *page = data;
  GtkWidget *first;

  if (ob_provision_page_get_n_activations (page) == 0)
    return FALSE;
  first = ob_provision_page_get_activation (page, 0);

  return OB_IS_ACTIVATION_ROW (first) && ob_activation_row_get_n_steps (OB_ACTIVATION_ROW (first)) > 0;
}

static gboolean
device_managed (gpointer data)
{
  ObDeviceRegistry *registry = ob_services_get_device_registry (env.services);

  return registry != NULL && ob_device_registry_lookup (registry, data) != NULL;
}

static void
test_activation (void)
{
  ObProvisionPage *page = OB_PROVISION_PAGE (ob_window_get_page (env.window, "provision"));
  g_autoptr(ObSimDevice) device = NULL;
  g_autoptr(ObSimWsmanServer) wsman = NULL;
  g_autoptr(ObSimRpc) rpc = NULL;
  g_autoptr(ObSimCira) cira = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = g_strdup_printf ("wss://127.0.0.1:%u/activate", env.rps_port);
  g_autofree char *message = NULL;
  g_autofree char *guid = NULL;
  Pending pending = { NULL };
  ObActivationRow *activation;
  ObRpsSession *session;
  GtkWidget *devices;

  device = g_object_new (OB_TYPE_SIM_DEVICE, "control-mode", OB_SIM_CONTROL_MODE_PRE_PROVISIONING, NULL);
  ob_sim_device_set_domain_name (device, "office.test");
  ob_sim_provisioning_attach (device);
  wsman = ob_sim_wsman_server_new (device, NULL, NULL);
  rpc = ob_sim_rpc_new (wsman);
  ob_sim_rpc_set_hostname (rpc, "front-desk");
  /* rpc-go's -n: the server's certificate is from our own authority. */
  ob_sim_rpc_set_skip_cert_check (rpc, TRUE);
  guid = g_strdup (ob_sim_device_get_guid (device));

  ob_window_show_page (env.window, "provision");
  ob_sim_rpc_activate_async (rpc, url, "ccm-cira", NULL, store_result, &pending);
  wait_for (has_activation_with_steps, page, "a live activation row with steps");
  wait_for (has_result, &pending, "the activation to end");
  message = ob_sim_rpc_finish (rpc, pending.result, &error);
  g_clear_object (&pending.result);
  g_assert_no_error (error);
  g_assert_nonnull (message);

  activation = OB_ACTIVATION_ROW (ob_provision_page_get_activation (page, 0));
  session = ob_activation_row_get_session (activation);
  g_assert_cmpint (ob_rps_session_get_state (session), ==, OB_RPS_SESSION_SUCCEEDED);
  g_assert_cmpstr (ob_rps_session_get_uuid (session), ==, guid);
  g_assert_cmpuint (ob_activation_row_get_n_steps (activation), >, 5);
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (ADW_EXPANDER_ROW (activation)), "ccm-cira"));
  g_assert_nonnull (strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (activation)), "front-desk"));
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (activation), TRUE);
  wait_frames (GTK_WIDGET (env.window));
  save_screenshot (GTK_WIDGET (env.window), "ui-rps-provision.png");

  /* It calls home with what it was given and is in Devices. */
  cira = ob_sim_rpc_start_cira (rpc, NULL, FALSE, &error);
  g_assert_no_error (error);
  wait_for (device_managed, guid, "the provisioned device in the registry");
  ob_window_show_page (env.window, "devices");
  devices = ob_window_get_page (env.window, "devices");
  wait_frames (GTK_WIDGET (env.window));
  g_assert_nonnull (find_descendant (devices, is_label_containing, "front-desk"));
  save_screenshot (GTK_WIDGET (env.window), "ui-rps-devices.png");

  /* At phone width the page stays readable. */
  ob_window_show_page (env.window, "provision");
  gtk_window_set_default_size (GTK_WINDOW (env.window), 360, 720);
  wait_frames (GTK_WIDGET (env.window));
  wait_frames (GTK_WIDGET (env.window));
  g_assert_true (ob_window_get_folded (env.window));
  save_screenshot (GTK_WIDGET (env.window), "ui-rps-provision-narrow.png");
  gtk_window_set_default_size (GTK_WINDOW (env.window), 1280, 800);
  wait_frames (GTK_WIDGET (env.window));

  ob_sim_cira_stop (cira);
  ob_sim_wsman_server_stop (wsman);
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = g_dir_make_tmp ("outband-ui-rps-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = NULL;
  int result;

  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  /* Passwords stay in this process. */
  g_setenv ("OUTBAND_SECRET_STORE", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  env.cira_port = free_port ();
  env.rps_port = free_port ();
  settings = g_settings_new (APP_ID);
  g_settings_set_uint (settings, "cira-port", env.cira_port);
  g_settings_set_uint (settings, "rps-port", env.rps_port);

  env.app = ob_application_new ();
  g_application_set_application_id (G_APPLICATION (env.app), APP_ID ".RpsTest");
  g_application_set_flags (G_APPLICATION (env.app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (env.app), NULL, &error));
  g_assert_no_error (error);

  g_application_activate (G_APPLICATION (env.app));
  env.window = OB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (env.app)));
  g_assert_true (OB_IS_WINDOW (env.window));
  gtk_window_set_default_size (GTK_WINDOW (env.window), 1280, 800);
  wait_for (widget_is_mapped, env.window, "the main window");

  env.services = ob_application_get_services (env.app);
  wait_for (services_running, env.services, "the services to start");
  wait_for (rps_listening, NULL, "the provisioning server");

  /* In order: each test goes on from where the one before left off. */
  g_test_add_func ("/ui/rps/empty", test_empty_states);
  g_test_add_func ("/ui/rps/cira-config", test_cira_config);
  g_test_add_func ("/ui/rps/wireless", test_wireless);
  g_test_add_func ("/ui/rps/ieee8021x", test_ieee8021x);
  g_test_add_func ("/ui/rps/profile", test_profile);
  g_test_add_func ("/ui/rps/in-use", test_in_use);
  g_test_add_func ("/ui/rps/domain-errors", test_domain_errors);
  g_test_add_func ("/ui/rps/domain-chain", test_domain_chain);
  g_test_add_func ("/ui/rps/provision-command", test_provision_command);
  g_test_add_func ("/ui/rps/activation", test_activation);

  result = g_test_run ();

  g_free (env.cira_password);
  gtk_window_destroy (GTK_WINDOW (env.window));
  ob_services_stop (env.services);

  return result;
}
