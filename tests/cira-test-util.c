/* cira-test-util.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "cira-test-util.h"
#include "ob-secret-store-memory.h"

/* ---- main loop ------------------------------------------------------------ */

static gboolean
on_deadline (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
cira_test_wait_until (CiraTestCondition cond,
                      gpointer          data,
                      guint             timeout_ms)
{
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (timeout_ms);

  g_source_set_callback (deadline, on_deadline, &expired, NULL);
  g_source_attach (deadline, NULL);
  while (!cond (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  return cond (data);
}

void
cira_test_spin_ms (guint ms)
{
  gboolean expired = FALSE;
  GSource *deadline = g_timeout_source_new (ms);

  g_source_set_callback (deadline, on_deadline, &expired, NULL);
  g_source_attach (deadline, NULL);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
  g_source_unref (deadline);
}

gboolean
cira_test_pointer_is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

gboolean
cira_test_pointer_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

gboolean
cira_test_flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
cira_test_store_result (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

GAsyncResult *
cira_test_wait_result (GAsyncResult **slot)
{
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, slot, 20000));
  return *slot;
}

void
cira_test_assert_finalized (gpointer object)
{
  gpointer weak = object;

  g_object_add_weak_pointer (G_OBJECT (object), &weak);
  g_object_unref (object);
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_null, &weak, 5000));
}

void
cira_test_remove_tree (const char *path)
{
  g_autoptr(GFile) dir = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = NULL;

  children = g_file_enumerate_children (dir, G_FILE_ATTRIBUTE_STANDARD_NAME,
                                        G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (children != NULL)
    {
      g_autoptr(GFileInfo) info = g_file_enumerator_next_file (children, NULL, NULL);
      g_autoptr(GFile) child = NULL;

      if (info == NULL)
        break;
      child = g_file_get_child (dir, g_file_info_get_name (info));
      g_file_delete (child, NULL, NULL);
    }
  g_file_delete (dir, NULL, NULL);
}

/* ---- the certificate authority and the keyring ------------------------------- */

void
cira_test_ca_init (CiraTestCa *ca,
                   const char *common_name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ca->secrets = ob_secret_store_memory_new ();
  ca->dir = g_dir_make_tmp ("outband-cira-ca-XXXXXX", &error);
  g_assert_no_error (error);
  ca->authority = ob_cert_authority_new (ca->dir, ca->secrets);
  ob_cert_authority_ensure_async (ca->authority, common_name, NULL, cira_test_store_result,
                                  &result);
  /* RSA 3072 for the root: slow under the sanitizers. */
  g_assert_true (cira_test_wait_until (cira_test_pointer_is_set, &result, 120000));
  g_assert_true (ob_cert_authority_ensure_finish (ca->authority, result, &error));
  g_assert_no_error (error);
  ca->root_pem = ob_cert_authority_dup_root_pem (ca->authority);
  g_assert_nonnull (ca->root_pem);
}

void
cira_test_ca_clear (CiraTestCa *ca)
{
  g_clear_object (&ca->authority);
  g_clear_object (&ca->secrets);
  if (ca->dir != NULL)
    cira_test_remove_tree (ca->dir);
  g_clear_pointer (&ca->dir, g_free);
  g_clear_pointer (&ca->root_pem, g_free);
}

GTlsCertificate *
cira_test_ca_dup_root (CiraTestCa *ca)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *root;

  root = g_tls_certificate_new_from_pem (ca->root_pem, -1, &error);
  g_assert_no_error (error);
  return root;
}

/* ---- one MPS ---------------------------------------------------------------- */

void
cira_test_mps_init (CiraTestMps     *mps,
                    ObSecretStore   *secrets,
                    ObCertAuthority *authority,
                    gboolean         start)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *db = NULL;

  mps->dir = g_dir_make_tmp ("outband-cira-test-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (mps->dir, "outband.db", NULL);
  mps->store = ob_store_new_for_path (db, &error);
  g_assert_no_error (error);
  mps->config = ob_config_new ();
  mps->registry = ob_device_registry_new (mps->store, secrets);
  ob_device_registry_load_async (mps->registry, NULL, cira_test_store_result, &result);
  g_assert_true (ob_device_registry_load_finish (mps->registry, cira_test_wait_result (&result),
                                                 &error));
  g_assert_no_error (error);

  mps->server = ob_mps_server_new (mps->config, authority, mps->registry);
  if (start)
    cira_test_mps_start (mps);
}

void
cira_test_mps_start (CiraTestMps *mps)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  ob_mps_server_start_async (mps->server, "127.0.0.1", 0, NULL, cira_test_store_result, &result);
  g_assert_true (ob_mps_server_start_finish (mps->server, cira_test_wait_result (&result),
                                             &error));
  g_assert_no_error (error);
  g_assert_true (ob_mps_server_get_listening (mps->server));
  g_assert_cmpuint (ob_mps_server_get_port (mps->server), >, 0);
}

void
cira_test_mps_clear (CiraTestMps *mps)
{
  ob_mps_server_stop (mps->server);
  cira_test_assert_finalized (g_steal_pointer (&mps->server));
  cira_test_assert_finalized (g_steal_pointer (&mps->registry));
  g_clear_object (&mps->config);
  g_clear_object (&mps->store);
  cira_test_remove_tree (mps->dir);
  g_clear_pointer (&mps->dir, g_free);
}

void
cira_test_register_device (CiraTestMps   *mps,
                           ObSecretStore *secrets,
                           const char    *guid,
                           const char    *friendly_name,
                           const char    *user,
                           const char    *mps_password,
                           const char    *amt_password)
{
  g_autoptr(ObDeviceRecord) record = ob_device_record_new (guid);
  g_autoptr(GError) error = NULL;
  const char * const tags[] = { "lab", NULL };

  ob_device_record_set_transport (record, OB_DEVICE_TRANSPORT_CIRA);
  ob_device_record_set_mps_username (record, user);
  ob_device_record_set_hostname (record, "cira-host");
  ob_device_record_set_friendly_name (record, friendly_name);
  ob_device_record_set_tags (record, tags);
  g_assert_true (ob_store_insert_device (mps->store, record, &error));
  g_assert_no_error (error);
  if (mps_password != NULL)
    g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                    OB_SECRET_KIND_MPS_PASSWORD, mps_password,
                                                    NULL, &error));
  if (amt_password != NULL)
    g_assert_true (ob_secret_store_store_text_sync (secrets, OB_SECRET_OWNER_DEVICE, guid,
                                                    OB_SECRET_KIND_AMT_PASSWORD, amt_password,
                                                    NULL, &error));
}

ObDeviceRecord *
cira_test_stored_device (CiraTestMps *mps,
                         const char  *guid)
{
  g_autoptr(GError) error = NULL;
  ObDeviceRecord *record;

  ob_mps_server_flush_store_writes (mps->server);
  record = ob_store_get_device (mps->store, guid, &error);
  g_assert_no_error (error);
  return record;
}
