/* ob-store.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "ob-store.h"
#include "ob-util.h"

G_DEFINE_QUARK (ob-store-error-quark, ob_store_error)

/* Identifiers (names, GUIDs, host names, tags, tenant ids) and free text
 * (certificates, details) have generous but finite limits, so that hostile
 * input cannot grow the database without bound. */
#define NAME_MAX_LEN   256
#define TEXT_MAX_LEN   (1024 * 1024)
#define MAX_TAGS       1024
#define MAX_WIFI_LINKS 64
#define MAX_LINK_POLICY 64

#define BUSY_TIMEOUT_MS 5000

/* ------------------------------------------------------------------------
 * Schema.  Each step runs in its own transaction, which also sets
 * PRAGMA user_version to the step's number; steps are never edited once
 * released, only appended.
 *
 * Configuration names are unique per table, case-insensitively (the
 * reference uses citext): the keyring keys secrets by owner type and name,
 * so two records of one type must never share a name.  References use the
 * names, so SQLite enforces them with foreign keys; a referenced row cannot
 * be deleted (NO ACTION, checked at the end of the statement, which SQLite
 * reports as SQLITE_CONSTRAINT_FOREIGNKEY; RESTRICT would report
 * SQLITE_CONSTRAINT_TRIGGER), and a profile's wireless links go with it
 * (CASCADE).  Timestamps are µs since the Unix epoch, UTC.  Tags and link
 * policies are JSON arrays.  No column holds a secret.
 * ------------------------------------------------------------------------ */

static const char * const migrations[] = {
  /* 1: the initial schema */
  "CREATE TABLE devices ("
  "  guid TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  hostname TEXT,"
  "  friendly_name TEXT,"
  "  dns_suffix TEXT,"
  "  tags TEXT NOT NULL DEFAULT '[]'"
  "    CHECK (json_valid (tags) AND json_type (tags) = 'array'),"
  "  mps_instance TEXT,"
  "  mps_username TEXT,"
  "  connection_status INTEGER NOT NULL DEFAULT 0 CHECK (connection_status IN (0, 1)),"
  "  last_connected INTEGER,"
  "  last_seen INTEGER,"
  "  last_disconnected INTEGER,"
  "  fw_version TEXT,"
  "  fw_build TEXT,"
  "  fw_sku TEXT,"
  "  current_mode TEXT,"
  "  features TEXT,"
  "  ip_address TEXT,"
  "  device_info_updated INTEGER,"
  "  transport TEXT NOT NULL DEFAULT 'cira' CHECK (transport IN ('cira', 'lan')),"
  "  host TEXT,"
  "  port INTEGER NOT NULL DEFAULT 0 CHECK (port BETWEEN 0 AND 65535),"
  "  use_tls INTEGER NOT NULL DEFAULT 1 CHECK (use_tls IN (0, 1)),"
  "  allow_self_signed INTEGER NOT NULL DEFAULT 0 CHECK (allow_self_signed IN (0, 1)),"
  "  legacy_tls INTEGER NOT NULL DEFAULT 0 CHECK (legacy_tls IN (0, 1)),"
  "  pinned_fingerprint TEXT CHECK (pinned_fingerprint IS NULL"
  "    OR (length (pinned_fingerprint) = 64 AND pinned_fingerprint NOT GLOB '*[^0-9a-f]*')),"
  "  amt_username TEXT,"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"
  "CREATE INDEX devices_by_hostname ON devices (hostname);"
  "CREATE INDEX devices_by_friendly_name ON devices (friendly_name);"

  "CREATE TABLE ieee8021x_configs ("
  "  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  authentication_protocol INTEGER NOT NULL,"
  "  pxe_timeout INTEGER NOT NULL DEFAULT 120 CHECK (pxe_timeout BETWEEN 0 AND 86400),"
  "  wired_interface INTEGER NOT NULL CHECK (wired_interface IN (0, 1)),"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"

  "CREATE TABLE cira_configs ("
  "  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  mps_server_address TEXT,"
  "  mps_port INTEGER NOT NULL CHECK (mps_port BETWEEN 0 AND 65535),"
  "  username TEXT,"
  "  common_name TEXT,"
  "  server_address_format INTEGER NOT NULL,"
  "  auth_method INTEGER NOT NULL,"
  "  mps_root_certificate TEXT,"
  "  proxy_details TEXT,"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"

  "CREATE TABLE domains ("
  "  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  domain_suffix TEXT NOT NULL COLLATE NOCASE UNIQUE,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  provisioning_cert_storage_format TEXT NOT NULL"
  "    CHECK (provisioning_cert_storage_format IN ('raw', 'string')),"
  "  expiration_date INTEGER,"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"

  "CREATE TABLE wireless_configs ("
  "  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  authentication_method INTEGER NOT NULL,"
  "  encryption_method INTEGER NOT NULL,"
  "  ssid TEXT,"
  "  psk_value INTEGER NOT NULL DEFAULT 0,"
  "  link_policy TEXT CHECK (link_policy IS NULL"
  "    OR (json_valid (link_policy) AND json_type (link_policy) = 'array')),"
  "  ieee8021x_profile_name TEXT COLLATE NOCASE"
  "    REFERENCES ieee8021x_configs (name) ON DELETE NO ACTION,"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"
  "CREATE INDEX wireless_configs_by_ieee8021x ON wireless_configs (ieee8021x_profile_name);"

  "CREATE TABLE profiles ("
  "  name TEXT NOT NULL COLLATE NOCASE PRIMARY KEY,"
  "  tenant_id TEXT NOT NULL DEFAULT '',"
  "  activation TEXT NOT NULL CHECK (activation IN ('acmactivate', 'ccmactivate')),"
  "  generate_random_password INTEGER NOT NULL CHECK (generate_random_password IN (0, 1)),"
  "  generate_random_mebx_password INTEGER NOT NULL"
  "    CHECK (generate_random_mebx_password IN (0, 1)),"
  "  cira_config_name TEXT COLLATE NOCASE REFERENCES cira_configs (name) ON DELETE NO ACTION,"
  "  ieee8021x_profile_name TEXT COLLATE NOCASE"
  "    REFERENCES ieee8021x_configs (name) ON DELETE NO ACTION,"
  "  tags TEXT NOT NULL DEFAULT '[]'"
  "    CHECK (json_valid (tags) AND json_type (tags) = 'array'),"
  "  dhcp_enabled INTEGER NOT NULL CHECK (dhcp_enabled IN (0, 1)),"
  "  ip_sync_enabled INTEGER NOT NULL CHECK (ip_sync_enabled IN (0, 1)),"
  "  local_wifi_sync_enabled INTEGER NOT NULL CHECK (local_wifi_sync_enabled IN (0, 1)),"
  "  tls_mode INTEGER NOT NULL DEFAULT 0 CHECK (tls_mode BETWEEN 0 AND 4),"
  "  tls_signing_authority TEXT"
  "    CHECK (tls_signing_authority IS NULL OR tls_signing_authority IN ('SelfSigned', 'MicrosoftCA')),"
  "  user_consent TEXT CHECK (user_consent IS NULL OR user_consent IN ('None', 'KVM', 'All')),"
  "  ider_enabled INTEGER NOT NULL CHECK (ider_enabled IN (0, 1)),"
  "  kvm_enabled INTEGER NOT NULL CHECK (kvm_enabled IN (0, 1)),"
  "  sol_enabled INTEGER NOT NULL CHECK (sol_enabled IN (0, 1)),"
  "  version INTEGER NOT NULL DEFAULT 1"
  ");"
  "CREATE INDEX profiles_by_cira_config ON profiles (cira_config_name);"
  "CREATE INDEX profiles_by_ieee8021x ON profiles (ieee8021x_profile_name);"

  "CREATE TABLE profile_wireless ("
  "  profile_name TEXT NOT NULL COLLATE NOCASE REFERENCES profiles (name) ON DELETE CASCADE,"
  "  wireless_name TEXT NOT NULL COLLATE NOCASE"
  "    REFERENCES wireless_configs (name) ON DELETE NO ACTION,"
  "  priority INTEGER NOT NULL CHECK (priority BETWEEN 1 AND 255),"
  "  PRIMARY KEY (profile_name, wireless_name)"
  ") WITHOUT ROWID;"
  "CREATE INDEX profile_wireless_by_wireless ON profile_wireless (wireless_name);"

  "CREATE TABLE activity_log ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  timestamp INTEGER NOT NULL,"
  "  actor TEXT NOT NULL,"
  "  action TEXT NOT NULL,"
  "  device_guid TEXT COLLATE NOCASE,"
  "  target TEXT,"
  "  result TEXT NOT NULL CHECK (result IN ('success', 'failure')),"
  "  detail TEXT"
  ");"
  "CREATE INDEX activity_log_by_time ON activity_log (timestamp, id);"
  "CREATE INDEX activity_log_by_device ON activity_log (device_guid, timestamp, id);",

  /* 2: CIRA configs may let new devices enrol themselves (off unless the
   * admin turns it on) */
  "ALTER TABLE cira_configs ADD COLUMN auto_enroll INTEGER NOT NULL DEFAULT 0"
  "  CHECK (auto_enroll IN (0, 1));",
};

/* ------------------------------------------------------------------------ */

typedef struct
{
  GQuark  kind;
  char   *key;
  gint    rows;   /* devices: +1 inserted, -1 deleted, 0 changed */
} PendingChange;

static void
pending_change_free (PendingChange *change)
{
  g_free (change->key);
  g_free (change);
}

struct _ObStore
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;   /* SQL text -> sqlite3_stmt */

  /* All calls are serialised; the lock is recursive so that a
   * run_in_transaction callback can call back into the store. */
  GRecMutex   mutex;
  guint       lock_depth;

  guint       tx_depth;
  gboolean    tx_broken;
  GArray     *tx_marks;     /* pending->len when each level began */
  GPtrArray  *pending;      /* changes of the open transaction */
  GPtrArray  *committed;    /* committed changes, emitted once unlocked */

  /* Committed rows of the devices table, kept from the pending changes as
   * transactions commit: devices/stats reads it without SQLite. */
  gint        n_devices;
};

static void ob_store_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ObStore, ob_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      ob_store_initable_iface_init))

enum
{
  PROP_0,
  PROP_PATH,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------
 * Locking and change notification
 * ------------------------------------------------------------------------ */

typedef ObStore ObStoreLocker;

/* Returns NULL for a non-store, so that the g_return_if_fail() checks after
 * the declaration report the mistake. */
static ObStoreLocker *
store_lock (ObStore *self)
{
  if (!OB_IS_STORE (self))
    return NULL;

  g_rec_mutex_lock (&self->mutex);
  self->lock_depth++;

  return self;
}

static void
store_unlock (ObStoreLocker *self)
{
  g_autoptr(GPtrArray) to_emit = NULL;

  g_assert (self->lock_depth > 0);

  if (--self->lock_depth == 0 && self->committed->len > 0)
    {
      to_emit = g_steal_pointer (&self->committed);
      self->committed = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_change_free);
    }
  g_rec_mutex_unlock (&self->mutex);

  /* Handlers run unlocked, so they may query the store (or take locks of
   * their own) without deadlocking against another thread. */
  if (to_emit != NULL)
    {
      g_autoptr(ObStore) keep = g_object_ref (self);

      for (guint i = 0; i < to_emit->len; i++)
        {
          PendingChange *change = g_ptr_array_index (to_emit, i);

          g_signal_emit (keep, signals[CHANGED], change->kind,
                         g_quark_to_string (change->kind), change->key);
        }
    }
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStoreLocker, store_unlock)

#define STORE_LOCKED(self) \
  g_autoptr(ObStoreLocker) G_PASTE (_ob_store_locker, __LINE__) G_GNUC_UNUSED = store_lock (self)

static void
queue_row_change (ObStore    *self,
                  const char *kind,
                  const char *key,
                  gint        rows)
{
  PendingChange *change = g_new0 (PendingChange, 1);

  change->kind = g_quark_from_static_string (kind);
  change->key = g_strdup (key);
  change->rows = rows;
  g_ptr_array_add (self->pending, change);
}

static void
queue_change (ObStore    *self,
              const char *kind,
              const char *key)
{
  queue_row_change (self, kind, key, 0);
}

/* ------------------------------------------------------------------------
 * Errors
 * ------------------------------------------------------------------------ */

static void
set_database_error (ObStore     *self,
                    int          rc,
                    GError     **error,
                    const char  *what)
{
  g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
               "%s: %s (SQLite error %d)",
               what,
               self->db != NULL && sqlite3_extended_errcode (self->db) == rc
                 ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc),
               rc);
}

/* ------------------------------------------------------------------------
 * Statements
 * ------------------------------------------------------------------------ */

/* A cached statement; releasing it resets it and clears its bindings, ready
 * for the next use.  Statements are never shared while in use. */
typedef sqlite3_stmt ObStoreStmt;

static void
stmt_release (ObStoreStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObStoreStmt, stmt_release)

static ObStoreStmt *
store_prepare (ObStore     *self,
               const char  *sql,
               GError     **error)
{
  sqlite3_stmt *stmt = g_hash_table_lookup (self->statements, sql);
  int rc;

  if (stmt != NULL)
    {
      /* Re-entering a statement that is still stepping would corrupt the
       * outer loop: a programming error, never caused by input. */
      g_return_val_if_fail (!sqlite3_stmt_busy (stmt), NULL);
      return stmt;
    }

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      set_database_error (self, rc, error, "Could not prepare a statement");
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);

  return stmt;
}

static int
param_index (sqlite3_stmt *stmt,
             const char   *param)
{
  int idx = sqlite3_bind_parameter_index (stmt, param);

  /* Every parameter name is a literal in this file. */
  g_assert (idx > 0);

  return idx;
}

static void
bind_text (sqlite3_stmt *stmt,
           const char   *param,
           const char   *value)
{
  int idx = param_index (stmt, param);

  if (value == NULL)
    sqlite3_bind_null (stmt, idx);
  else
    sqlite3_bind_text (stmt, idx, value, -1, SQLITE_TRANSIENT);
}

static void
bind_int64 (sqlite3_stmt *stmt,
            const char   *param,
            gint64        value)
{
  sqlite3_bind_int64 (stmt, param_index (stmt, param), value);
}

static void
bind_null (sqlite3_stmt *stmt,
           const char   *param)
{
  sqlite3_bind_null (stmt, param_index (stmt, param));
}

static void
bind_datetime (sqlite3_stmt *stmt,
               const char   *param,
               GDateTime    *value)
{
  if (value == NULL)
    bind_null (stmt, param);
  else
    bind_int64 (stmt, param, ob_date_time_to_real_time (value));
}

static char *
strv_to_json (const char * const *strv)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_array (builder);
  for (guint i = 0; strv != NULL && strv[i] != NULL; i++)
    json_builder_add_string_value (builder, strv[i]);
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static void
bind_tags (sqlite3_stmt       *stmt,
           const char         *param,
           const char * const *tags)
{
  g_autofree char *json = strv_to_json (tags);

  bind_text (stmt, param, json);
}

static char *
column_dup_text (sqlite3_stmt *stmt,
                 int           col)
{
  const unsigned char *text = sqlite3_column_text (stmt, col);

  return text != NULL ? g_strdup ((const char *) text) : NULL;
}

static const char *
column_text (sqlite3_stmt *stmt,
             int           col)
{
  return (const char *) sqlite3_column_text (stmt, col);
}

static gboolean
column_bool (sqlite3_stmt *stmt,
             int           col)
{
  return sqlite3_column_int64 (stmt, col) != 0;
}

static guint
column_uint (sqlite3_stmt *stmt,
             int           col)
{
  gint64 value = sqlite3_column_int64 (stmt, col);

  return (guint) CLAMP (value, 0, G_MAXUINT);
}

static GDateTime *
column_datetime (sqlite3_stmt *stmt,
                 int           col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    return NULL;

  return ob_date_time_new_from_real_time (sqlite3_column_int64 (stmt, col));
}

/* Tags are a JSON array of strings; the schema checks it is an array. */
static char **
column_tags (sqlite3_stmt *stmt,
             int           col)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *json = column_text (stmt, col);
  JsonNode *root;

  if (json != NULL && json_parser_load_from_data (parser, json, -1, NULL)
      && (root = json_parser_get_root (parser)) != NULL
      && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *array = json_node_get_array (root);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element)
              && json_node_get_value_type (element) == G_TYPE_STRING)
            g_strv_builder_add (builder, json_node_get_string (element));
        }
    }

  return g_strv_builder_end (builder);
}

/* Steps a statement that returns no rows.  Returns the extended result
 * code: SQLITE_DONE on success. */
static int
step_done (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    {
      /* A write statement returning rows would be a bug in this file. */
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        ;
    }

  return rc;
}

static gboolean
exec_sql (ObStore     *self,
          const char  *sql,
          GError     **error)
{
  char *message = NULL;
  int rc = sqlite3_exec (self->db, sql, NULL, NULL, &message);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                   "Database command failed: %s (SQLite error %d)",
                   message != NULL ? message : sqlite3_errstr (rc), rc);
      sqlite3_free (message);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------
 * Transactions.  The outermost level is BEGIN IMMEDIATE (or a deferred
 * BEGIN for reads), inner levels are savepoints, so a failed write inside
 * run_in_transaction undoes only itself.
 * ------------------------------------------------------------------------ */

/* One transaction control statement from the statement cache: every read
 * and write runs BEGIN and COMMIT, and sqlite3_exec() parsed them anew
 * each time (2 % of the MPS's CPU in a connect storm, perf). */
static gboolean
exec_control (ObStore     *self,
              const char  *sql,
              GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = store_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Database command failed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
tx_begin (ObStore   *self,
          gboolean   write,
          GError   **error)
{
  const char *sql;

  if (self->tx_depth == 0)
    {
      self->tx_broken = FALSE;
      sql = write ? "BEGIN IMMEDIATE" : "BEGIN";
    }
  else
    {
      /* SQLite already rolled the whole transaction back (I/O error, disk
       * full …): a savepoint now would silently open a new one. */
      if (self->tx_broken || sqlite3_get_autocommit (self->db))
        {
          self->tx_broken = TRUE;
          g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                               "The enclosing transaction was aborted by the database");
          return FALSE;
        }
      sql = "SAVEPOINT ob_store_nested";
    }

  if (!exec_control (self, sql, error))
    return FALSE;

  g_array_append_val (self->tx_marks, self->pending->len);
  self->tx_depth++;

  return TRUE;
}

static void
tx_rollback (ObStore *self)
{
  guint mark;

  g_assert (self->tx_depth > 0);

  mark = g_array_index (self->tx_marks, guint, self->tx_marks->len - 1);
  g_array_set_size (self->tx_marks, self->tx_marks->len - 1);
  g_ptr_array_set_size (self->pending, mark);
  self->tx_depth--;

  if (sqlite3_get_autocommit (self->db))
    {
      /* Nothing left to roll back. */
      if (self->tx_depth > 0)
        self->tx_broken = TRUE;
      return;
    }

  if (self->tx_depth == 0)
    exec_control (self, "ROLLBACK", NULL);
  else if (!exec_control (self, "ROLLBACK TO ob_store_nested", NULL)
           || !exec_control (self, "RELEASE ob_store_nested", NULL))
    self->tx_broken = TRUE;
}

static gboolean
tx_commit (ObStore   *self,
           GError   **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean outermost = self->tx_depth == 1;

  g_assert (self->tx_depth > 0);

  if (self->tx_broken || sqlite3_get_autocommit (self->db))
    {
      tx_rollback (self);
      g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                           "The transaction was aborted by the database");
      return FALSE;
    }

  if (!exec_control (self, outermost ? "COMMIT" : "RELEASE ob_store_nested", &local_error))
    {
      tx_rollback (self);
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_array_set_size (self->tx_marks, self->tx_marks->len - 1);
  self->tx_depth--;

  if (outermost)
    {
      GQuark device_kind = g_quark_from_static_string (OB_STORE_KIND_DEVICE);
      gint rows = 0;

      /* A rolled-back savepoint dropped its changes from pending already. */
      for (guint i = 0; i < self->pending->len; i++)
        {
          PendingChange *change = g_ptr_array_index (self->pending, i);

          if (change->kind == device_kind)
            rows += change->rows;
        }
      if (rows != 0)
        g_atomic_int_add (&self->n_devices, rows);

      g_ptr_array_extend_and_steal (self->committed, g_steal_pointer (&self->pending));
      self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_change_free);
    }

  return TRUE;
}

/* For the common shape "begin; do; commit or roll back". */
static gboolean
tx_finish (ObStore   *self,
           gboolean   ok,
           GError   **error)
{
  if (!ok)
    {
      tx_rollback (self);
      return FALSE;
    }

  return tx_commit (self, error);
}

gboolean
ob_store_run_in_transaction (ObStore                 *self,
                             ObStoreTransactionFunc   func,
                             gpointer                 user_data,
                             GError                 **error)
{
  g_autoptr(GError) local_error = NULL;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (func != NULL, FALSE);

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  if (!func (self, user_data, &local_error))
    {
      tx_rollback (self);
      if (local_error == NULL)
        g_set_error_literal (&local_error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                             "The transaction was abandoned");
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  return tx_commit (self, error);
}

/* ------------------------------------------------------------------------
 * Validation.  Records come from users, REST clients and devices: anything
 * unacceptable is reported as OB_STORE_ERROR_INVALID, never stored.
 * ------------------------------------------------------------------------ */

/* A name fit for an error message: valid UTF-8, at most 64 characters. */
static char *
shorten (const char *text)
{
  g_autofree char *valid = NULL;
  g_autofree char *head = NULL;

  if (text == NULL)
    return g_strdup ("(none)");

  valid = g_utf8_make_valid (text, MIN (strlen (text), 1024));
  /* No line breaks or terminal escapes in messages that end up in logs. */
  for (char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = '?';
    }

  if (g_utf8_strlen (valid, -1) <= 64)
    return g_steal_pointer (&valid);

  head = g_utf8_substring (valid, 0, 63);

  return g_strconcat (head, "…", NULL);
}

typedef struct
{
  const char  *what;    /* "profile", "CIRA config" … */
  const char  *name;
  GError     **error;
  gboolean     failed;
} Checker;

static void checker_fail (Checker    *c,
                          const char *format,
                          ...) G_GNUC_PRINTF (2, 3);

static void
checker_fail (Checker    *c,
              const char *format,
              ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *name = NULL;
  va_list args;

  if (c->failed)
    return;
  c->failed = TRUE;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  name = shorten (c->name);
  g_set_error (c->error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
               "Invalid %s “%s”: %s", c->what, name, reason);
}

static gboolean
has_control_chars (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        return TRUE;
    }

  return FALSE;
}

/* Text of any kind: valid UTF-8, bounded; single-line text (names, hosts,
 * tags) also has no control characters. */
static void
check_text (Checker    *c,
            const char *field,
            const char *value,
            gboolean    required,
            gsize       max_len,
            gboolean    single_line)
{
  gsize len;

  if (value == NULL || *value == '\0')
    {
      if (required)
        checker_fail (c, "%s is required", field);
      return;
    }

  len = strlen (value);
  if (len > max_len)
    checker_fail (c, "%s is longer than %" G_GSIZE_FORMAT " bytes", field, max_len);
  else if (!g_utf8_validate (value, len, NULL))
    checker_fail (c, "%s is not valid UTF-8", field);
  else if (single_line && has_control_chars (value))
    checker_fail (c, "%s contains control characters", field);
}

static void
check_name (Checker    *c,
            const char *field,
            const char *value,
            gboolean    required)
{
  check_text (c, field, value, required, NAME_MAX_LEN, TRUE);
}

static void
check_choice (Checker            *c,
              const char         *field,
              const char         *value,
              gboolean            nullable,
              const char * const *choices)
{
  if (value == NULL && nullable)
    return;

  if (value == NULL || !g_strv_contains (choices, value))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) choices);
      g_autofree char *shown = shorten (value);

      checker_fail (c, "%s “%s” is not one of %s", field, shown, list);
    }
}

static void
check_uint_range (Checker    *c,
                  const char *field,
                  guint       value,
                  guint       min,
                  guint       max)
{
  if (value < min || value > max)
    checker_fail (c, "%s %u is not between %u and %u", field, value, min, max);
}

static void
check_uint_choice (Checker     *c,
                   const char  *field,
                   guint        value,
                   const guint *choices,
                   gsize        n_choices)
{
  g_autoptr(GString) list = NULL;

  for (gsize i = 0; i < n_choices; i++)
    {
      if (choices[i] == value)
        return;
    }

  list = g_string_new (NULL);
  for (gsize i = 0; i < n_choices; i++)
    g_string_append_printf (list, "%s%u", i > 0 ? ", " : "", choices[i]);
  checker_fail (c, "%s %u is not one of %s", field, value, list->str);
}

static void
check_tags (Checker            *c,
            const char * const *tags)
{
  guint n = tags != NULL ? g_strv_length ((char **) tags) : 0;

  if (n > MAX_TAGS)
    {
      checker_fail (c, "more than %u tags", MAX_TAGS);
      return;
    }

  for (guint i = 0; i < n; i++)
    {
      if (*tags[i] == '\0')
        checker_fail (c, "a tag is empty");
      check_name (c, "a tag", tags[i], TRUE);
    }
}

/* An empty reference means "no reference", as REST clients send it. */
static const char *
reference_or_null (const char *name)
{
  return name != NULL && *name != '\0' ? name : NULL;
}

/* GUIDs are stored in lower case, the form the MPS reports. */
static char *
normalize_guid (const char *guid)
{
  if (!ob_uuid_is_valid (guid))
    return NULL;

  return g_ascii_strdown (guid, -1);
}

/* Accepts 64 hex digits, optionally in "AB:CD:…" form, either case. */
static char *
normalize_fingerprint (const char *text)
{
  g_autoptr(GString) hex = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        return NULL;
      g_string_append_c (hex, g_ascii_tolower (*p));
    }

  if (hex->len != 64)
    return NULL;

  return g_string_free (g_steal_pointer (&hex), FALSE);
}

/* ------------------------------------------------------------------------
 * Record types: one descriptor per table drives the generic get, list and
 * delete code and the mapping of constraint errors.
 * ------------------------------------------------------------------------ */

typedef enum
{
  WRITE_INSERT,
  WRITE_UPDATE,
  WRITE_DELETE,
} WriteOp;

enum
{
  FILTER_TENANT   = 1 << 0,
  FILTER_TAGS     = 1 << 1,
  FILTER_DEVICE   = 1 << 2,
  FILTER_ACTIVITY = 1 << 3,
};

typedef struct _TableInfo TableInfo;

struct _TableInfo
{
  const char *kind;        /* OB_STORE_KIND_* */
  const char *label;       /* for messages */
  const char *table;
  const char *key_column;
  const char *columns;     /* the SELECT list from_row reads */
  const char *order_by;
  guint       filters;

  GObject  *(*from_row)  (sqlite3_stmt *stmt);
  /* Completes a record read by from_row (a profile's links). */
  gboolean  (*post_load) (ObStore      *self,
                          GObject      *record,
                          GError      **error);
  /* A precise message for a constraint failure, or NULL for the generic
   * one.  Runs inside the failed transaction, before it is rolled back. */
  char     *(*explain)   (ObStore      *self,
                          WriteOp       op,
                          int           rc,
                          const char   *key,
                          gpointer      record);
};

static gboolean
exists (ObStore    *self,
        const char *sql,
        const char *key)
{
  g_autoptr(ObStoreStmt) stmt = store_prepare (self, sql, NULL);

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, ":key", key);

  return sqlite3_step (stmt) == SQLITE_ROW;
}

/* The first value of a one-column query, or NULL. */
static char *
query_first (ObStore    *self,
             const char *sql,
             const char *key)
{
  g_autoptr(ObStoreStmt) stmt = store_prepare (self, sql, NULL);

  if (stmt == NULL)
    return NULL;

  bind_text (stmt, ":key", key);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;

  return column_dup_text (stmt, 0);
}

static void
set_write_error (ObStore         *self,
                 const TableInfo *info,
                 WriteOp          op,
                 int              rc,
                 const char      *key,
                 gpointer         record,
                 GError         **error)
{
  g_autofree char *explanation = NULL;
  g_autofree char *stored_key = NULL;
  g_autofree char *name = NULL;
  g_autofree char *sqlite_message = g_strdup (sqlite3_errmsg (self->db));

  /* Messages name an existing record as it is stored, not as typed. */
  if (op != WRITE_INSERT && key != NULL)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s = :key",
                                              info->key_column, info->table, info->key_column);

      stored_key = query_first (self, sql, key);
      if (stored_key != NULL)
        key = stored_key;
    }
  name = shorten (key);

  if ((rc & 0xff) == SQLITE_CONSTRAINT && info->explain != NULL)
    explanation = info->explain (self, op, rc, key, record);

  switch (rc)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      if (explanation != NULL)
        g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE, explanation);
      else
        g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DUPLICATE,
                     "%s “%s” already exists", info->label, name);
      break;

    case SQLITE_CONSTRAINT_FOREIGNKEY:
      if (op == WRITE_DELETE)
        {
          if (explanation != NULL)
            g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE, explanation);
          else
            g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_IN_USE,
                         "%s “%s” is in use by another record", info->label, name);
        }
      else
        {
          if (explanation != NULL)
            g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE,
                                 explanation);
          else
            g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_MISSING_REFERENCE,
                         "%s “%s” refers to a record that does not exist", info->label, name);
        }
      break;

    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "Invalid %s “%s”: %s", info->label, name, sqlite_message);
      break;

    default:
      {
        g_autofree char *what = g_strdup_printf ("Could not %s %s “%s”",
                                                 op == WRITE_INSERT ? "insert"
                                                 : op == WRITE_UPDATE ? "update" : "delete",
                                                 info->label, name);
        set_database_error (self, rc, error, what);
      }
      break;
    }
}

static GObject *
get_record (ObStore          *self,
            const TableInfo  *info,
            const char       *key,
            GError          **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s = :key",
                                          info->columns, info->table, info->key_column);
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autoptr(GObject) record = NULL;
  int rc;

  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, ":key", key);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_autofree char *name = shorten (key);

      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                   "%s “%s” not found", info->label, name);
      return NULL;
    }
  if (rc != SQLITE_ROW)
    {
      set_database_error (self, rc, error, "Could not read the database");
      return NULL;
    }

  record = info->from_row (stmt);
  g_clear_pointer (&stmt, stmt_release);

  if (info->post_load != NULL && !info->post_load (self, record, error))
    return NULL;

  return g_steal_pointer (&record);
}

/* A locked, read-only get: one snapshot even when post_load reads more. */
static gpointer
get_record_locked (ObStore          *self,
                   const TableInfo  *info,
                   const char       *key,
                   GError          **error)
{
  g_autoptr(GObject) record = NULL;
  STORE_LOCKED (self);

  if (key == NULL)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "No %s name given", info->label);
      return NULL;
    }

  if (!tx_begin (self, FALSE, error))
    return NULL;

  record = get_record (self, info, key, error);
  if (!tx_finish (self, record != NULL, error))
    return NULL;

  return g_steal_pointer (&record);
}

static gboolean
check_query (const TableInfo     *info,
             const ObStoreQuery  *query,
             GError             **error)
{
  const char *bad = NULL;

  if (query == NULL)
    return TRUE;

  if (query->tags != NULL && query->tags[0] != NULL && !(info->filters & FILTER_TAGS))
    bad = "tags";
  else if (query->tenant_id != NULL && !(info->filters & FILTER_TENANT))
    bad = "tenant";
  else if ((query->hostname != NULL || query->friendly_name != NULL
            || query->connection != OB_STORE_CONNECTION_ANY)
           && !(info->filters & FILTER_DEVICE))
    bad = "host name, friendly name or connection";
  else if (query->device_guid != NULL && !(info->filters & FILTER_ACTIVITY))
    bad = "device";

  if (bad != NULL)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "Cannot filter %s records by %s", info->label, bad);
      return FALSE;
    }

  if (query->tag_match != OB_STORE_TAG_MATCH_ANY && query->tag_match != OB_STORE_TAG_MATCH_ALL)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "Unknown tag match mode %d", (int) query->tag_match);
      return FALSE;
    }

  if (query->connection != OB_STORE_CONNECTION_ANY
      && query->connection != OB_STORE_CONNECTION_CONNECTED
      && query->connection != OB_STORE_CONNECTION_DISCONNECTED)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "Unknown connection filter %d", (int) query->connection);
      return FALSE;
    }

  return TRUE;
}

/* The WHERE clause is made of fixed fragments with parameters; values are
 * only ever bound.  Tags are bound as one JSON array, so the SQL text does
 * not depend on how many tags there are. */
static char *
build_where (const ObStoreQuery *query)
{
  g_autoptr(GString) where = g_string_new ("1");

  if (query == NULL)
    return g_string_free (g_steal_pointer (&where), FALSE);

  if (query->tenant_id != NULL)
    g_string_append (where, " AND tenant_id = :tenant_id");
  if (query->hostname != NULL)
    g_string_append (where, " AND hostname = :hostname");
  if (query->friendly_name != NULL)
    g_string_append (where, " AND friendly_name = :friendly_name");
  if (query->connection == OB_STORE_CONNECTION_CONNECTED)
    g_string_append (where, " AND connection_status = 1");
  else if (query->connection == OB_STORE_CONNECTION_DISCONNECTED)
    g_string_append (where, " AND connection_status = 0");
  if (query->device_guid != NULL)
    g_string_append (where, " AND device_guid = :device_guid");
  if (query->tags != NULL && query->tags[0] != NULL)
    {
      if (query->tag_match == OB_STORE_TAG_MATCH_ALL)
        g_string_append (where,
                         " AND NOT EXISTS (SELECT 1 FROM json_each (:tags) AS wanted"
                         " WHERE wanted.value NOT IN (SELECT value FROM json_each (tags)))");
      else
        g_string_append (where,
                         " AND EXISTS (SELECT 1 FROM json_each (tags) AS have"
                         " WHERE have.value IN (SELECT value FROM json_each (:tags)))");
    }

  return g_string_free (g_steal_pointer (&where), FALSE);
}

static void
bind_query (sqlite3_stmt       *stmt,
            const ObStoreQuery *query)
{
  if (query == NULL)
    return;

  if (query->tenant_id != NULL)
    bind_text (stmt, ":tenant_id", query->tenant_id);
  if (query->hostname != NULL)
    bind_text (stmt, ":hostname", query->hostname);
  if (query->friendly_name != NULL)
    bind_text (stmt, ":friendly_name", query->friendly_name);
  if (query->device_guid != NULL)
    bind_text (stmt, ":device_guid", query->device_guid);
  if (query->tags != NULL && query->tags[0] != NULL)
    bind_tags (stmt, ":tags", query->tags);
}

static GPtrArray *
list_records (ObStore             *self,
              const TableInfo     *info,
              const ObStoreQuery  *query,
              guint               *total_count,
              GError             **error)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *where = NULL;
  g_autofree char *sql = NULL;
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;

  if (!check_query (info, query, error))
    return NULL;

  where = build_where (query);

  if (total_count != NULL)
    {
      g_autofree char *count_sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE %s",
                                                    info->table, where);
      g_autoptr(ObStoreStmt) count_stmt = store_prepare (self, count_sql, error);

      if (count_stmt == NULL)
        return NULL;

      bind_query (count_stmt, query);
      rc = sqlite3_step (count_stmt);
      if (rc != SQLITE_ROW)
        {
          set_database_error (self, rc, error, "Could not count records");
          return NULL;
        }
      *total_count = column_uint (count_stmt, 0);
    }

  sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT :limit OFFSET :offset",
                         info->columns, info->table, where, info->order_by);
  stmt = store_prepare (self, sql, error);
  if (stmt == NULL)
    return NULL;

  bind_query (stmt, query);
  bind_int64 (stmt, ":limit", query != NULL && query->limit > 0 ? (gint64) query->limit : -1);
  bind_int64 (stmt, ":offset", query != NULL ? query->offset : 0);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (records, info->from_row (stmt));

  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not list records");
      return NULL;
    }
  g_clear_pointer (&stmt, stmt_release);

  for (guint i = 0; info->post_load != NULL && i < records->len; i++)
    {
      if (!info->post_load (self, g_ptr_array_index (records, i), error))
        return NULL;
    }

  return g_steal_pointer (&records);
}

static GPtrArray *
list_records_locked (ObStore             *self,
                     const TableInfo     *info,
                     const ObStoreQuery  *query,
                     guint               *total_count,
                     GError             **error)
{
  g_autoptr(GPtrArray) records = NULL;
  STORE_LOCKED (self);

  if (total_count != NULL)
    *total_count = 0;

  if (!tx_begin (self, FALSE, error))
    return NULL;

  records = list_records (self, info, query, total_count, error);
  if (!tx_finish (self, records != NULL, error))
    return NULL;

  return g_steal_pointer (&records);
}

static gboolean
delete_record (ObStore          *self,
               const TableInfo  *info,
               const char       *key,
               GError          **error)
{
  /* RETURNING gives the stored spelling of the key for ::changed. */
  g_autofree char *sql = g_strdup_printf ("DELETE FROM %s WHERE %s = :key RETURNING %s",
                                          info->table, info->key_column, info->key_column);
  g_autoptr(ObStoreStmt) stmt = store_prepare (self, sql, error);
  g_autofree char *deleted = NULL;
  int rc;

  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, ":key", key);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (deleted == NULL)
        deleted = column_dup_text (stmt, 0);
    }
  g_clear_pointer (&stmt, stmt_release);

  if (rc != SQLITE_DONE)
    {
      set_write_error (self, info, WRITE_DELETE, rc, key, NULL, error);
      return FALSE;
    }

  if (deleted == NULL)
    {
      g_autofree char *name = shorten (key);

      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                   "%s “%s” not found", info->label, name);
      return FALSE;
    }

  queue_row_change (self, info->kind, deleted, -1);

  return TRUE;
}

static gboolean
delete_record_locked (ObStore          *self,
                      const TableInfo  *info,
                      const char       *key,
                      GError          **error)
{
  STORE_LOCKED (self);

  if (key == NULL)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "No %s name given", info->label);
      return FALSE;
    }

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  return tx_finish (self, delete_record (self, info, key, error), error);
}

/* Runs a prepared INSERT or UPDATE and maps its failure.  For updates,
 * no changed row means either a missing record or a stale version. */
static gboolean
finish_write (ObStore          *self,
              const TableInfo  *info,
              WriteOp           op,
              sqlite3_stmt     *stmt,
              const char       *key,
              gint64            expected_version,
              gpointer          record,
              GError          **error)
{
  int rc = step_done (stmt);

  stmt_release (stmt);

  if (rc != SQLITE_DONE)
    {
      set_write_error (self, info, op, rc, key, record, error);
      return FALSE;
    }

  if (op == WRITE_UPDATE && sqlite3_changes (self->db) == 0)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT version FROM %s WHERE %s = :key",
                                              info->table, info->key_column);
      g_autofree char *current = query_first (self, sql, key);
      g_autofree char *name = shorten (key);

      if (current == NULL)
        g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                     "%s “%s” not found", info->label, name);
      else
        g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_CONFLICT,
                     "%s “%s” was changed by someone else (version %s, expected %" G_GINT64_FORMAT ")",
                     info->label, name, current, expected_version);
      return FALSE;
    }

  queue_row_change (self, info->kind, key, op == WRITE_INSERT ? 1 : 0);

  return TRUE;
}

/* ------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------ */

#define DEVICE_COLUMNS \
  "guid, tenant_id, hostname, friendly_name, dns_suffix, tags, mps_instance, mps_username," \
  " connection_status, last_connected, last_seen, last_disconnected, fw_version, fw_build," \
  " fw_sku, current_mode, features, ip_address, device_info_updated, transport, host, port," \
  " use_tls, allow_self_signed, legacy_tls, pinned_fingerprint, amt_username, version"

enum
{
  DEVICE_COL_GUID,
  DEVICE_COL_TENANT_ID,
  DEVICE_COL_HOSTNAME,
  DEVICE_COL_FRIENDLY_NAME,
  DEVICE_COL_DNS_SUFFIX,
  DEVICE_COL_TAGS,
  DEVICE_COL_MPS_INSTANCE,
  DEVICE_COL_MPS_USERNAME,
  DEVICE_COL_CONNECTION_STATUS,
  DEVICE_COL_LAST_CONNECTED,
  DEVICE_COL_LAST_SEEN,
  DEVICE_COL_LAST_DISCONNECTED,
  DEVICE_COL_FW_VERSION,
  DEVICE_COL_FW_BUILD,
  DEVICE_COL_FW_SKU,
  DEVICE_COL_CURRENT_MODE,
  DEVICE_COL_FEATURES,
  DEVICE_COL_IP_ADDRESS,
  DEVICE_COL_DEVICE_INFO_UPDATED,
  DEVICE_COL_TRANSPORT,
  DEVICE_COL_HOST,
  DEVICE_COL_PORT,
  DEVICE_COL_USE_TLS,
  DEVICE_COL_ALLOW_SELF_SIGNED,
  DEVICE_COL_LEGACY_TLS,
  DEVICE_COL_PINNED_FINGERPRINT,
  DEVICE_COL_AMT_USERNAME,
  DEVICE_COL_VERSION,
};

static GObject *
device_from_row (sqlite3_stmt *stmt)
{
  ObDeviceRecord *device = ob_device_record_new (column_text (stmt, DEVICE_COL_GUID));
  g_auto(GStrv) tags = column_tags (stmt, DEVICE_COL_TAGS);
  g_autoptr(GDateTime) last_connected = column_datetime (stmt, DEVICE_COL_LAST_CONNECTED);
  g_autoptr(GDateTime) last_seen = column_datetime (stmt, DEVICE_COL_LAST_SEEN);
  g_autoptr(GDateTime) last_disconnected = column_datetime (stmt, DEVICE_COL_LAST_DISCONNECTED);
  g_autoptr(GDateTime) info_updated = column_datetime (stmt, DEVICE_COL_DEVICE_INFO_UPDATED);
  ObDeviceTransport transport = OB_DEVICE_TRANSPORT_CIRA;

  ob_device_transport_from_string (column_text (stmt, DEVICE_COL_TRANSPORT), &transport);

  ob_device_record_set_tenant_id (device, column_text (stmt, DEVICE_COL_TENANT_ID));
  ob_device_record_set_hostname (device, column_text (stmt, DEVICE_COL_HOSTNAME));
  ob_device_record_set_friendly_name (device, column_text (stmt, DEVICE_COL_FRIENDLY_NAME));
  ob_device_record_set_dns_suffix (device, column_text (stmt, DEVICE_COL_DNS_SUFFIX));
  ob_device_record_set_tags (device, (const char * const *) tags);
  ob_device_record_set_mps_instance (device, column_text (stmt, DEVICE_COL_MPS_INSTANCE));
  ob_device_record_set_mps_username (device, column_text (stmt, DEVICE_COL_MPS_USERNAME));
  ob_device_record_set_connection_status (device, column_bool (stmt, DEVICE_COL_CONNECTION_STATUS));
  ob_device_record_set_last_connected (device, last_connected);
  ob_device_record_set_last_seen (device, last_seen);
  ob_device_record_set_last_disconnected (device, last_disconnected);
  ob_device_record_set_fw_version (device, column_text (stmt, DEVICE_COL_FW_VERSION));
  ob_device_record_set_fw_build (device, column_text (stmt, DEVICE_COL_FW_BUILD));
  ob_device_record_set_fw_sku (device, column_text (stmt, DEVICE_COL_FW_SKU));
  ob_device_record_set_current_mode (device, column_text (stmt, DEVICE_COL_CURRENT_MODE));
  ob_device_record_set_features (device, column_text (stmt, DEVICE_COL_FEATURES));
  ob_device_record_set_ip_address (device, column_text (stmt, DEVICE_COL_IP_ADDRESS));
  ob_device_record_set_device_info_updated (device, info_updated);
  ob_device_record_set_transport (device, transport);
  ob_device_record_set_host (device, column_text (stmt, DEVICE_COL_HOST));
  ob_device_record_set_port (device, column_uint (stmt, DEVICE_COL_PORT));
  ob_device_record_set_use_tls (device, column_bool (stmt, DEVICE_COL_USE_TLS));
  ob_device_record_set_allow_self_signed (device, column_bool (stmt, DEVICE_COL_ALLOW_SELF_SIGNED));
  ob_device_record_set_legacy_tls (device, column_bool (stmt, DEVICE_COL_LEGACY_TLS));
  ob_device_record_set_pinned_fingerprint (device, column_text (stmt, DEVICE_COL_PINNED_FINGERPRINT));
  ob_device_record_set_amt_username (device, column_text (stmt, DEVICE_COL_AMT_USERNAME));
  ob_device_record_set_version (device, sqlite3_column_int64 (stmt, DEVICE_COL_VERSION));

  return G_OBJECT (device);
}

static const TableInfo device_table = {
  .kind = OB_STORE_KIND_DEVICE,
  .label = "Device",
  .table = "devices",
  .key_column = "guid",
  .columns = DEVICE_COLUMNS,
  .order_by = "guid",
  .filters = FILTER_TENANT | FILTER_TAGS | FILTER_DEVICE,
  .from_row = device_from_row,
};

/* The GUID and the pinned fingerprint in their stored forms. */
typedef struct
{
  char *guid;
  char *fingerprint;
} DeviceKeys;

static void
device_keys_clear (DeviceKeys *keys)
{
  g_clear_pointer (&keys->guid, g_free);
  g_clear_pointer (&keys->fingerprint, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DeviceKeys, device_keys_clear)

static gboolean
validate_device (ObDeviceRecord  *device,
                 DeviceKeys      *keys,
                 GError         **error)
{
  const char *guid = ob_device_record_get_guid (device);
  const char *fingerprint = ob_device_record_get_pinned_fingerprint (device);
  Checker c = { "device", guid, error, FALSE };

  keys->guid = normalize_guid (guid);
  if (keys->guid == NULL)
    checker_fail (&c, "the GUID is not of the form xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx");

  check_name (&c, "the tenant id", ob_device_record_get_tenant_id (device), FALSE);
  check_name (&c, "the host name", ob_device_record_get_hostname (device), FALSE);
  check_name (&c, "the friendly name", ob_device_record_get_friendly_name (device), FALSE);
  check_name (&c, "the DNS suffix", ob_device_record_get_dns_suffix (device), FALSE);
  check_tags (&c, ob_device_record_get_tags (device));
  check_name (&c, "the MPS instance", ob_device_record_get_mps_instance (device), FALSE);
  check_name (&c, "the MPS user name", ob_device_record_get_mps_username (device), FALSE);
  check_name (&c, "the firmware version", ob_device_record_get_fw_version (device), FALSE);
  check_name (&c, "the firmware build", ob_device_record_get_fw_build (device), FALSE);
  check_name (&c, "the firmware SKU", ob_device_record_get_fw_sku (device), FALSE);
  check_name (&c, "the current mode", ob_device_record_get_current_mode (device), FALSE);
  check_text (&c, "the features", ob_device_record_get_features (device), FALSE,
              NAME_MAX_LEN * 4, TRUE);
  check_name (&c, "the IP address", ob_device_record_get_ip_address (device), FALSE);
  if (ob_device_transport_to_string (ob_device_record_get_transport (device)) == NULL)
    checker_fail (&c, "unknown transport %d", (int) ob_device_record_get_transport (device));
  check_name (&c, "the host", ob_device_record_get_host (device),
              ob_device_record_get_transport (device) == OB_DEVICE_TRANSPORT_LAN);
  check_uint_range (&c, "the port", ob_device_record_get_port (device), 0, G_MAXUINT16);
  check_name (&c, "the AMT user name", ob_device_record_get_amt_username (device), FALSE);

  if (fingerprint != NULL)
    {
      keys->fingerprint = normalize_fingerprint (fingerprint);
      if (keys->fingerprint == NULL)
        checker_fail (&c, "the pinned fingerprint is not a SHA-256 in hexadecimal");
    }

  return !c.failed;
}

/* What insert and update both write: everything but the connection state. */
static void
bind_device_config (sqlite3_stmt     *stmt,
                    ObDeviceRecord   *device,
                    const DeviceKeys *keys)
{
  const char *tenant_id = ob_device_record_get_tenant_id (device);

  bind_text (stmt, ":guid", keys->guid);
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_text (stmt, ":hostname", ob_device_record_get_hostname (device));
  bind_text (stmt, ":friendly_name", ob_device_record_get_friendly_name (device));
  bind_text (stmt, ":dns_suffix", ob_device_record_get_dns_suffix (device));
  bind_tags (stmt, ":tags", ob_device_record_get_tags (device));
  bind_text (stmt, ":mps_username", ob_device_record_get_mps_username (device));
  bind_text (stmt, ":fw_version", ob_device_record_get_fw_version (device));
  bind_text (stmt, ":fw_build", ob_device_record_get_fw_build (device));
  bind_text (stmt, ":fw_sku", ob_device_record_get_fw_sku (device));
  bind_text (stmt, ":current_mode", ob_device_record_get_current_mode (device));
  bind_text (stmt, ":features", ob_device_record_get_features (device));
  bind_text (stmt, ":ip_address", ob_device_record_get_ip_address (device));
  bind_datetime (stmt, ":device_info_updated", ob_device_record_get_device_info_updated (device));
  bind_text (stmt, ":transport",
             ob_device_transport_to_string (ob_device_record_get_transport (device)));
  bind_text (stmt, ":host", ob_device_record_get_host (device));
  bind_int64 (stmt, ":port", ob_device_record_get_port (device));
  bind_int64 (stmt, ":use_tls", ob_device_record_get_use_tls (device));
  bind_int64 (stmt, ":allow_self_signed", ob_device_record_get_allow_self_signed (device));
  bind_int64 (stmt, ":legacy_tls", ob_device_record_get_legacy_tls (device));
  bind_text (stmt, ":pinned_fingerprint", keys->fingerprint);
  bind_text (stmt, ":amt_username", ob_device_record_get_amt_username (device));
}

static gboolean
insert_device (ObStore          *self,
               ObDeviceRecord   *device,
               const DeviceKeys *keys,
               GError          **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "INSERT INTO devices (" DEVICE_COLUMNS ") VALUES ("
                        " :guid, :tenant_id, :hostname, :friendly_name, :dns_suffix, :tags,"
                        " :mps_instance, :mps_username, :connection_status, :last_connected,"
                        " :last_seen, :last_disconnected, :fw_version, :fw_build, :fw_sku,"
                        " :current_mode, :features, :ip_address, :device_info_updated,"
                        " :transport, :host, :port, :use_tls, :allow_self_signed, :legacy_tls,"
                        " :pinned_fingerprint, :amt_username, 1)",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_device_config (stmt, device, keys);
  bind_text (stmt, ":mps_instance", ob_device_record_get_mps_instance (device));
  bind_int64 (stmt, ":connection_status", ob_device_record_get_connection_status (device));
  bind_datetime (stmt, ":last_connected", ob_device_record_get_last_connected (device));
  bind_datetime (stmt, ":last_seen", ob_device_record_get_last_seen (device));
  bind_datetime (stmt, ":last_disconnected", ob_device_record_get_last_disconnected (device));

  if (!finish_write (self, &device_table, WRITE_INSERT, g_steal_pointer (&stmt),
                     keys->guid, 0, device, error))
    return FALSE;

  ob_device_record_set_guid (device, keys->guid);
  ob_device_record_set_pinned_fingerprint (device, keys->fingerprint);
  ob_device_record_set_version (device, 1);

  return TRUE;
}

static gboolean
update_device (ObStore          *self,
               ObDeviceRecord   *device,
               const DeviceKeys *keys,
               GError          **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected = ob_device_record_get_version (device);

  stmt = store_prepare (self,
                        "UPDATE devices SET tenant_id = :tenant_id, hostname = :hostname,"
                        " friendly_name = :friendly_name, dns_suffix = :dns_suffix, tags = :tags,"
                        " mps_username = :mps_username, fw_version = :fw_version,"
                        " fw_build = :fw_build, fw_sku = :fw_sku, current_mode = :current_mode,"
                        " features = :features, ip_address = :ip_address,"
                        " device_info_updated = :device_info_updated, transport = :transport,"
                        " host = :host, port = :port, use_tls = :use_tls,"
                        " allow_self_signed = :allow_self_signed, legacy_tls = :legacy_tls,"
                        " pinned_fingerprint = :pinned_fingerprint, amt_username = :amt_username,"
                        " version = version + 1"
                        " WHERE guid = :guid AND version = :expected_version",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_device_config (stmt, device, keys);
  bind_int64 (stmt, ":expected_version", expected);

  if (!finish_write (self, &device_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                     keys->guid, expected, device, error))
    return FALSE;

  ob_device_record_set_guid (device, keys->guid);
  ob_device_record_set_pinned_fingerprint (device, keys->fingerprint);
  ob_device_record_set_version (device, expected + 1);

  return TRUE;
}

gboolean
ob_store_insert_device (ObStore         *self,
                        ObDeviceRecord  *device,
                        GError         **error)
{
  g_auto(DeviceKeys) keys = { NULL, NULL };
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (device), FALSE);

  if (!validate_device (device, &keys, error))
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  return tx_finish (self, insert_device (self, device, &keys, error), error);
}

gboolean
ob_store_update_device (ObStore         *self,
                        ObDeviceRecord  *device,
                        GError         **error)
{
  g_auto(DeviceKeys) keys = { NULL, NULL };
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (device), FALSE);

  if (!validate_device (device, &keys, error))
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  return tx_finish (self, update_device (self, device, &keys, error), error);
}

static char *
checked_guid (const char  *guid,
              GError     **error)
{
  char *normalized = normalize_guid (guid);

  if (normalized == NULL)
    {
      g_autofree char *shown = shorten (guid);

      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                   "“%s” is not a valid device GUID", shown);
    }

  return normalized;
}

ObDeviceRecord *
ob_store_get_device (ObStore     *self,
                     const char  *guid,
                     GError     **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  key = checked_guid (guid, error);
  if (key == NULL)
    return NULL;

  return get_record_locked (self, &device_table, key, error);
}

gboolean
ob_store_delete_device (ObStore     *self,
                        const char  *guid,
                        GError     **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  key = checked_guid (guid, error);
  if (key == NULL)
    return FALSE;

  return delete_record_locked (self, &device_table, key, error);
}

GPtrArray *
ob_store_list_devices (ObStore             *self,
                       const ObStoreQuery  *query,
                       guint               *total_count,
                       GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &device_table, query, total_count, error);
}

/* The MPS's POST /devices: a new GUID is inserted as given; a known one
 * keeps its stored values except those the caller set (non-NULL strings and
 * tags, the deviceInfo block as a whole).  Connection state and the LAN
 * transport settings are never changed by an upsert. */
static void
merge_device (ObDeviceRecord *stored,
              ObDeviceRecord *incoming)
{
#define MERGE_IF_SET(field) \
  G_STMT_START { \
    if (ob_device_record_get_ ## field (incoming) != NULL) \
      ob_device_record_set_ ## field (stored, ob_device_record_get_ ## field (incoming)); \
  } G_STMT_END

  MERGE_IF_SET (hostname);
  MERGE_IF_SET (friendly_name);
  MERGE_IF_SET (dns_suffix);
  MERGE_IF_SET (mps_username);
  MERGE_IF_SET (tenant_id);
  MERGE_IF_SET (tags);

#undef MERGE_IF_SET

  if (ob_device_record_has_device_info (incoming))
    {
      ob_device_record_set_fw_version (stored, ob_device_record_get_fw_version (incoming));
      ob_device_record_set_fw_build (stored, ob_device_record_get_fw_build (incoming));
      ob_device_record_set_fw_sku (stored, ob_device_record_get_fw_sku (incoming));
      ob_device_record_set_current_mode (stored, ob_device_record_get_current_mode (incoming));
      ob_device_record_set_features (stored, ob_device_record_get_features (incoming));
      ob_device_record_set_ip_address (stored, ob_device_record_get_ip_address (incoming));
      ob_device_record_set_device_info_updated (stored,
                                                ob_device_record_get_device_info_updated (incoming));
    }
}

static ObDeviceRecord *
upsert_device (ObStore           *self,
               ObDeviceRecord    *device,
               const DeviceKeys  *keys,
               gboolean          *created,
               GError           **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ObDeviceRecord) stored = NULL;
  g_auto(DeviceKeys) stored_keys = { NULL, NULL };

  stored = (ObDeviceRecord *) get_record (self, &device_table, keys->guid, &local_error);
  if (stored == NULL)
    {
      if (!g_error_matches (local_error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }

      if (!insert_device (self, device, keys, error))
        return NULL;
      *created = TRUE;
    }
  else
    {
      merge_device (stored, device);
      if (!validate_device (stored, &stored_keys, error)
          || !update_device (self, stored, &stored_keys, error))
        return NULL;
      *created = FALSE;
    }

  return (ObDeviceRecord *) get_record (self, &device_table, keys->guid, error);
}

ObDeviceRecord *
ob_store_upsert_device (ObStore         *self,
                        ObDeviceRecord  *device,
                        gboolean        *created,
                        GError         **error)
{
  g_auto(DeviceKeys) keys = { NULL, NULL };
  g_autoptr(ObDeviceRecord) result = NULL;
  gboolean was_created = FALSE;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), NULL);
  g_return_val_if_fail (OB_IS_DEVICE_RECORD (device), NULL);

  if (!validate_device (device, &keys, error))
    return NULL;

  if (!tx_begin (self, TRUE, error))
    return NULL;

  result = upsert_device (self, device, &keys, &was_created, error);
  if (!tx_finish (self, result != NULL, error))
    return NULL;

  if (created != NULL)
    *created = was_created;

  return g_steal_pointer (&result);
}

/* Connection state is runtime state: it does not bump the version, so an
 * MPS heartbeat never makes an admin's edit fail with CONFLICT. */
gboolean
ob_store_set_device_connection (ObStore     *self,
                                const char  *guid,
                                gboolean     connected,
                                const char  *mps_instance,
                                GDateTime   *when,
                                GError     **error)
{
  g_autofree char *key = NULL;
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 now = when != NULL ? ob_date_time_to_real_time (when) : g_get_real_time ();
  Checker c = { "device", guid, error, FALSE };
  gboolean ok;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  key = checked_guid (guid, error);
  if (key == NULL)
    return FALSE;

  check_name (&c, "the MPS instance", mps_instance, FALSE);
  if (c.failed)
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "UPDATE devices SET connection_status = :connected,"
                        " mps_instance = CASE WHEN :connected THEN :mps_instance ELSE NULL END,"
                        " last_seen = :now,"
                        " last_connected = CASE WHEN :connected THEN :now ELSE last_connected END,"
                        " last_disconnected = CASE WHEN :connected THEN last_disconnected ELSE :now END"
                        " WHERE guid = :key",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_int64 (stmt, ":connected", connected ? 1 : 0);
      bind_text (stmt, ":mps_instance", mps_instance);
      bind_int64 (stmt, ":now", now);
      bind_text (stmt, ":key", key);
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          set_write_error (self, &device_table, WRITE_UPDATE, rc, key, NULL, error);
          ok = FALSE;
        }
      else if (sqlite3_changes (self->db) == 0)
        {
          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                       "Device “%s” not found", key);
          ok = FALSE;
        }
      else
        {
          queue_change (self, OB_STORE_KIND_DEVICE, key);
        }
    }

  return tx_finish (self, ok, error);
}

/* A keepalive: the device is still there.  Only last_seen (and the
 * status, in case a disconnect was recorded in between) change;
 * last_connected stays when the connection began. */
gboolean
ob_store_set_device_last_seen (ObStore     *self,
                               const char  *guid,
                               GDateTime   *when,
                               GError     **error)
{
  g_autofree char *key = NULL;
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 now = when != NULL ? ob_date_time_to_real_time (when) : g_get_real_time ();
  gboolean ok;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  key = checked_guid (guid, error);
  if (key == NULL)
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "UPDATE devices SET last_seen = :now, connection_status = 1"
                        " WHERE guid = :key",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_int64 (stmt, ":now", now);
      bind_text (stmt, ":key", key);
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          set_write_error (self, &device_table, WRITE_UPDATE, rc, key, NULL, error);
          ok = FALSE;
        }
      else if (sqlite3_changes (self->db) == 0)
        {
          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                       "Device “%s” not found", key);
          ok = FALSE;
        }
      else
        {
          queue_change (self, OB_STORE_KIND_DEVICE, key);
        }
    }

  return tx_finish (self, ok, error);
}

/* For an MPS starting up: whatever the database says, no device is
 * connected to it yet. */
gboolean
ob_store_mark_all_devices_disconnected (ObStore     *self,
                                        GDateTime   *when,
                                        GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 now = when != NULL ? ob_date_time_to_real_time (when) : g_get_real_time ();
  gboolean ok;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "UPDATE devices SET connection_status = 0, mps_instance = NULL,"
                        " last_disconnected = :now"
                        " WHERE connection_status = 1",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_int64 (stmt, ":now", now);
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          set_database_error (self, rc, error, "Could not reset the device connections");
          ok = FALSE;
        }
      else if (sqlite3_changes (self->db) > 0)
        {
          queue_change (self, OB_STORE_KIND_DEVICE, NULL);
        }
    }

  return tx_finish (self, ok, error);
}

char **
ob_store_list_device_tags (ObStore     *self,
                           const char  *tenant_id,
                           GError     **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  stmt = store_prepare (self,
                        "SELECT DISTINCT t.value FROM devices AS d, json_each (d.tags) AS t"
                        " WHERE (:tenant_id IS NULL OR d.tenant_id = :tenant_id)"
                        " AND t.type = 'text'"
                        " ORDER BY 1",
                        error);
  if (stmt == NULL)
    return NULL;

  bind_text (stmt, ":tenant_id", tenant_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (builder, column_text (stmt, 0));

  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not list the device tags");
      return NULL;
    }

  return g_strv_builder_end (builder);
}

gboolean
ob_store_count_devices (ObStore     *self,
                        const char  *tenant_id,
                        guint       *total,
                        guint       *connected,
                        GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  stmt = store_prepare (self,
                        "SELECT count(*), coalesce (sum (connection_status), 0) FROM devices"
                        " WHERE (:tenant_id IS NULL OR tenant_id = :tenant_id)",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, ":tenant_id", tenant_id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    {
      set_database_error (self, rc, error, "Could not count the devices");
      return FALSE;
    }

  if (total != NULL)
    *total = column_uint (stmt, 0);
  if (connected != NULL)
    *connected = column_uint (stmt, 1);

  return TRUE;
}

guint
ob_store_get_n_devices (ObStore *self)
{
  g_return_val_if_fail (OB_IS_STORE (self), 0);

  /* No lock: a writer thread's long batch must not hold up a reader. */
  return (guint) MAX (g_atomic_int_get (&self->n_devices), 0);
}

/* ------------------------------------------------------------------------
 * Profiles and their wireless links
 * ------------------------------------------------------------------------ */

#define PROFILE_COLUMNS \
  "name, tenant_id, activation, generate_random_password, generate_random_mebx_password," \
  " cira_config_name, ieee8021x_profile_name, tags, dhcp_enabled, ip_sync_enabled," \
  " local_wifi_sync_enabled, tls_mode, tls_signing_authority, user_consent, ider_enabled," \
  " kvm_enabled, sol_enabled, version"

enum
{
  PROFILE_COL_NAME,
  PROFILE_COL_TENANT_ID,
  PROFILE_COL_ACTIVATION,
  PROFILE_COL_GENERATE_RANDOM_PASSWORD,
  PROFILE_COL_GENERATE_RANDOM_MEBX_PASSWORD,
  PROFILE_COL_CIRA_CONFIG_NAME,
  PROFILE_COL_IEEE8021X_PROFILE_NAME,
  PROFILE_COL_TAGS,
  PROFILE_COL_DHCP_ENABLED,
  PROFILE_COL_IP_SYNC_ENABLED,
  PROFILE_COL_LOCAL_WIFI_SYNC_ENABLED,
  PROFILE_COL_TLS_MODE,
  PROFILE_COL_TLS_SIGNING_AUTHORITY,
  PROFILE_COL_USER_CONSENT,
  PROFILE_COL_IDER_ENABLED,
  PROFILE_COL_KVM_ENABLED,
  PROFILE_COL_SOL_ENABLED,
  PROFILE_COL_VERSION,
};

static GObject *
profile_from_row (sqlite3_stmt *stmt)
{
  ObProfile *profile = ob_profile_new (column_text (stmt, PROFILE_COL_NAME));
  g_auto(GStrv) tags = column_tags (stmt, PROFILE_COL_TAGS);

  ob_profile_set_tenant_id (profile, column_text (stmt, PROFILE_COL_TENANT_ID));
  ob_profile_set_activation (profile, column_text (stmt, PROFILE_COL_ACTIVATION));
  ob_profile_set_generate_random_password (profile,
                                           column_bool (stmt, PROFILE_COL_GENERATE_RANDOM_PASSWORD));
  ob_profile_set_generate_random_mebx_password (profile,
                                                column_bool (stmt, PROFILE_COL_GENERATE_RANDOM_MEBX_PASSWORD));
  ob_profile_set_cira_config_name (profile, column_text (stmt, PROFILE_COL_CIRA_CONFIG_NAME));
  ob_profile_set_ieee8021x_profile_name (profile,
                                         column_text (stmt, PROFILE_COL_IEEE8021X_PROFILE_NAME));
  ob_profile_set_tags (profile, (const char * const *) tags);
  ob_profile_set_dhcp_enabled (profile, column_bool (stmt, PROFILE_COL_DHCP_ENABLED));
  ob_profile_set_ip_sync_enabled (profile, column_bool (stmt, PROFILE_COL_IP_SYNC_ENABLED));
  ob_profile_set_local_wifi_sync_enabled (profile,
                                          column_bool (stmt, PROFILE_COL_LOCAL_WIFI_SYNC_ENABLED));
  ob_profile_set_tls_mode (profile, column_uint (stmt, PROFILE_COL_TLS_MODE));
  ob_profile_set_tls_signing_authority (profile,
                                        column_text (stmt, PROFILE_COL_TLS_SIGNING_AUTHORITY));
  ob_profile_set_user_consent (profile, column_text (stmt, PROFILE_COL_USER_CONSENT));
  ob_profile_set_ider_enabled (profile, column_bool (stmt, PROFILE_COL_IDER_ENABLED));
  ob_profile_set_kvm_enabled (profile, column_bool (stmt, PROFILE_COL_KVM_ENABLED));
  ob_profile_set_sol_enabled (profile, column_bool (stmt, PROFILE_COL_SOL_ENABLED));
  ob_profile_set_version (profile, sqlite3_column_int64 (stmt, PROFILE_COL_VERSION));

  return G_OBJECT (profile);
}

static gboolean
profile_load_links (ObStore  *self,
                    GObject  *record,
                    GError  **error)
{
  ObProfile *profile = OB_PROFILE (record);
  g_autoptr(GPtrArray) links = g_ptr_array_new_with_free_func ((GDestroyNotify) ob_profile_wifi_link_free);
  g_autoptr(ObStoreStmt) stmt = NULL;
  int rc;

  /* The join returns each wireless config's own spelling of its name. */
  stmt = store_prepare (self,
                        "SELECT w.name, l.priority FROM profile_wireless AS l"
                        " JOIN wireless_configs AS w ON w.name = l.wireless_name"
                        " WHERE l.profile_name = :key ORDER BY l.priority, w.name",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, ":key", ob_profile_get_name (profile));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (links, ob_profile_wifi_link_new (column_text (stmt, 0), column_uint (stmt, 1)));

  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not read a profile's wireless links");
      return FALSE;
    }

  ob_profile_set_wifi_links (profile, links);

  return TRUE;
}

static char *
profile_explain (ObStore    *self,
                 WriteOp     op,
                 int         rc,
                 const char *key,
                 gpointer    record)
{
  ObProfile *profile = record;
  g_autofree char *name = shorten (key);
  const char *cira;
  const char *ieee;
  GPtrArray *links;

  if (rc != SQLITE_CONSTRAINT_FOREIGNKEY || profile == NULL)
    return NULL;

  cira = reference_or_null (ob_profile_get_cira_config_name (profile));
  if (cira != NULL && !exists (self, "SELECT 1 FROM cira_configs WHERE name = :key", cira))
    {
      g_autofree char *shown = shorten (cira);

      return g_strdup_printf ("Profile “%s” refers to CIRA config “%s”, which does not exist",
                              name, shown);
    }

  ieee = reference_or_null (ob_profile_get_ieee8021x_profile_name (profile));
  if (ieee != NULL && !exists (self, "SELECT 1 FROM ieee8021x_configs WHERE name = :key", ieee))
    {
      g_autofree char *shown = shorten (ieee);

      return g_strdup_printf ("Profile “%s” refers to 802.1x config “%s”, which does not exist",
                              name, shown);
    }

  links = ob_profile_get_wifi_links (profile);
  for (guint i = 0; i < links->len; i++)
    {
      ObProfileWifiLink *link = g_ptr_array_index (links, i);

      if (!exists (self, "SELECT 1 FROM wireless_configs WHERE name = :key", link->name))
        {
          g_autofree char *shown = shorten (link->name);

          return g_strdup_printf ("Profile “%s” refers to wireless config “%s”, which does not exist",
                                  name, shown);
        }
    }

  return NULL;
}

static const TableInfo profile_table = {
  .kind = OB_STORE_KIND_PROFILE,
  .label = "Profile",
  .table = "profiles",
  .key_column = "name",
  .columns = PROFILE_COLUMNS,
  .order_by = "name",
  .filters = FILTER_TENANT | FILTER_TAGS,
  .from_row = profile_from_row,
  .post_load = profile_load_links,
  .explain = profile_explain,
};

static gboolean
validate_profile (ObProfile  *profile,
                  GError    **error)
{
  static const char * const activations[] = {
    OB_PROFILE_ACTIVATION_ACM, OB_PROFILE_ACTIVATION_CCM, NULL
  };
  static const char * const consents[] = {
    OB_PROFILE_USER_CONSENT_NONE, OB_PROFILE_USER_CONSENT_KVM, OB_PROFILE_USER_CONSENT_ALL, NULL
  };
  static const char * const authorities[] = {
    OB_PROFILE_TLS_AUTHORITY_SELF_SIGNED, OB_PROFILE_TLS_AUTHORITY_MICROSOFT_CA, NULL
  };
  Checker c = { "profile", ob_profile_get_name (profile), error, FALSE };
  GPtrArray *links = ob_profile_get_wifi_links (profile);

  check_name (&c, "the name", ob_profile_get_name (profile), TRUE);
  check_name (&c, "the tenant id", ob_profile_get_tenant_id (profile), FALSE);
  check_choice (&c, "the activation", ob_profile_get_activation (profile), FALSE, activations);
  check_name (&c, "the CIRA config name", ob_profile_get_cira_config_name (profile), FALSE);
  check_name (&c, "the 802.1x config name", ob_profile_get_ieee8021x_profile_name (profile), FALSE);
  check_tags (&c, ob_profile_get_tags (profile));
  check_uint_range (&c, "the TLS mode", ob_profile_get_tls_mode (profile), 0, 4);
  check_choice (&c, "the TLS signing authority", ob_profile_get_tls_signing_authority (profile),
                TRUE, authorities);
  check_choice (&c, "the user consent", ob_profile_get_user_consent (profile), TRUE, consents);

  if (links->len > MAX_WIFI_LINKS)
    checker_fail (&c, "more than %d wireless links", MAX_WIFI_LINKS);

  for (guint i = 0; !c.failed && i < links->len; i++)
    {
      ObProfileWifiLink *link = g_ptr_array_index (links, i);

      check_name (&c, "a wireless config name", link->name, TRUE);
      check_uint_range (&c, "a wireless priority", link->priority, 1, 255);

      /* Names compare as the database does (NOCASE folds ASCII only). */
      for (guint j = 0; !c.failed && j < i; j++)
        {
          ObProfileWifiLink *other = g_ptr_array_index (links, j);

          if (g_ascii_strcasecmp (other->name, link->name) == 0)
            {
              g_autofree char *shown = shorten (link->name);

              checker_fail (&c, "wireless config “%s” is linked twice", shown);
            }
        }
    }

  return !c.failed;
}

/* References are stored in the referenced record's own spelling, so that
 * "Corp" and "corp" read back the same. */
#define CANONICAL_REF(table, param) \
  "(SELECT coalesce ((SELECT name FROM " table " WHERE name = " param "), " param "))"

static void
bind_profile (sqlite3_stmt *stmt,
              ObProfile    *profile)
{
  const char *tenant_id = ob_profile_get_tenant_id (profile);

  bind_text (stmt, ":name", ob_profile_get_name (profile));
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_text (stmt, ":activation", ob_profile_get_activation (profile));
  bind_int64 (stmt, ":generate_random_password",
              ob_profile_get_generate_random_password (profile));
  bind_int64 (stmt, ":generate_random_mebx_password",
              ob_profile_get_generate_random_mebx_password (profile));
  bind_text (stmt, ":cira_config_name",
             reference_or_null (ob_profile_get_cira_config_name (profile)));
  bind_text (stmt, ":ieee8021x_profile_name",
             reference_or_null (ob_profile_get_ieee8021x_profile_name (profile)));
  bind_tags (stmt, ":tags", ob_profile_get_tags (profile));
  bind_int64 (stmt, ":dhcp_enabled", ob_profile_get_dhcp_enabled (profile));
  bind_int64 (stmt, ":ip_sync_enabled", ob_profile_get_ip_sync_enabled (profile));
  bind_int64 (stmt, ":local_wifi_sync_enabled", ob_profile_get_local_wifi_sync_enabled (profile));
  bind_int64 (stmt, ":tls_mode", ob_profile_get_tls_mode (profile));
  bind_text (stmt, ":tls_signing_authority", ob_profile_get_tls_signing_authority (profile));
  bind_text (stmt, ":user_consent", ob_profile_get_user_consent (profile));
  bind_int64 (stmt, ":ider_enabled", ob_profile_get_ider_enabled (profile));
  bind_int64 (stmt, ":kvm_enabled", ob_profile_get_kvm_enabled (profile));
  bind_int64 (stmt, ":sol_enabled", ob_profile_get_sol_enabled (profile));
}

static gboolean
insert_profile_links (ObStore    *self,
                      ObProfile  *profile,
                      GError    **error)
{
  GPtrArray *links = ob_profile_get_wifi_links (profile);
  const char *name = ob_profile_get_name (profile);

  for (guint i = 0; i < links->len; i++)
    {
      ObProfileWifiLink *link = g_ptr_array_index (links, i);
      g_autoptr(ObStoreStmt) stmt = NULL;
      int rc;

      stmt = store_prepare (self,
                            "INSERT INTO profile_wireless (profile_name, wireless_name, priority)"
                            " VALUES ((SELECT name FROM profiles WHERE name = :profile),"
                            " " CANONICAL_REF ("wireless_configs", ":wireless") ", :priority)",
                            error);
      if (stmt == NULL)
        return FALSE;

      bind_text (stmt, ":profile", name);
      bind_text (stmt, ":wireless", link->name);
      bind_int64 (stmt, ":priority", link->priority);
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          /* The links belong to the profile: report the failure as the
           * profile's, naming the missing wireless config. */
          set_write_error (self, &profile_table, WRITE_INSERT, rc, name, profile, error);
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
insert_profile (ObStore    *self,
                ObProfile  *profile,
                GError    **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;

  stmt = store_prepare (self,
                        "INSERT INTO profiles (" PROFILE_COLUMNS ") VALUES ("
                        " :name, :tenant_id, :activation, :generate_random_password,"
                        " :generate_random_mebx_password,"
                        " " CANONICAL_REF ("cira_configs", ":cira_config_name") ","
                        " " CANONICAL_REF ("ieee8021x_configs", ":ieee8021x_profile_name") ","
                        " :tags, :dhcp_enabled, :ip_sync_enabled, :local_wifi_sync_enabled,"
                        " :tls_mode, :tls_signing_authority, :user_consent, :ider_enabled,"
                        " :kvm_enabled, :sol_enabled, 1)",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_profile (stmt, profile);
  if (!finish_write (self, &profile_table, WRITE_INSERT, g_steal_pointer (&stmt),
                     ob_profile_get_name (profile), 0, profile, error))
    return FALSE;

  if (!insert_profile_links (self, profile, error))
    return FALSE;

  ob_profile_set_version (profile, 1);

  return TRUE;
}

static gboolean
update_profile (ObStore    *self,
                ObProfile  *profile,
                GError    **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected = ob_profile_get_version (profile);
  int rc;

  stmt = store_prepare (self,
                        "UPDATE profiles SET tenant_id = :tenant_id, activation = :activation,"
                        " generate_random_password = :generate_random_password,"
                        " generate_random_mebx_password = :generate_random_mebx_password,"
                        " cira_config_name = " CANONICAL_REF ("cira_configs", ":cira_config_name") ","
                        " ieee8021x_profile_name = "
                        CANONICAL_REF ("ieee8021x_configs", ":ieee8021x_profile_name") ","
                        " tags = :tags, dhcp_enabled = :dhcp_enabled,"
                        " ip_sync_enabled = :ip_sync_enabled,"
                        " local_wifi_sync_enabled = :local_wifi_sync_enabled,"
                        " tls_mode = :tls_mode, tls_signing_authority = :tls_signing_authority,"
                        " user_consent = :user_consent, ider_enabled = :ider_enabled,"
                        " kvm_enabled = :kvm_enabled, sol_enabled = :sol_enabled,"
                        " version = version + 1"
                        " WHERE name = :name AND version = :expected_version",
                        error);
  if (stmt == NULL)
    return FALSE;

  bind_profile (stmt, profile);
  bind_int64 (stmt, ":expected_version", expected);
  if (!finish_write (self, &profile_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                     ob_profile_get_name (profile), expected, profile, error))
    return FALSE;

  /* The links are replaced as a whole, in the same transaction. */
  stmt = store_prepare (self, "DELETE FROM profile_wireless WHERE profile_name = :key", error);
  if (stmt == NULL)
    return FALSE;

  bind_text (stmt, ":key", ob_profile_get_name (profile));
  rc = step_done (stmt);
  g_clear_pointer (&stmt, stmt_release);
  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not replace a profile's wireless links");
      return FALSE;
    }

  if (!insert_profile_links (self, profile, error))
    return FALSE;

  ob_profile_set_version (profile, expected + 1);

  return TRUE;
}

gboolean
ob_store_insert_profile (ObStore    *self,
                         ObProfile  *profile,
                         GError    **error)
{
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_PROFILE (profile), FALSE);

  if (!validate_profile (profile, error))
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  return tx_finish (self, insert_profile (self, profile, error), error);
}

gboolean
ob_store_update_profile (ObStore    *self,
                         ObProfile  *profile,
                         GError    **error)
{
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_PROFILE (profile), FALSE);

  if (!validate_profile (profile, error))
    return FALSE;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  return tx_finish (self, update_profile (self, profile, error), error);
}

ObProfile *
ob_store_get_profile (ObStore     *self,
                      const char  *name,
                      GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return get_record_locked (self, &profile_table, name, error);
}

gboolean
ob_store_delete_profile (ObStore     *self,
                         const char  *name,
                         GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  return delete_record_locked (self, &profile_table, name, error);
}

GPtrArray *
ob_store_list_profiles (ObStore             *self,
                        const ObStoreQuery  *query,
                        guint               *total_count,
                        GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &profile_table, query, total_count, error);
}

/* ------------------------------------------------------------------------
 * CIRA configs
 * ------------------------------------------------------------------------ */

#define CIRA_CONFIG_COLUMNS \
  "name, tenant_id, mps_server_address, mps_port, username, common_name," \
  " server_address_format, auth_method, mps_root_certificate, proxy_details, version," \
  " auto_enroll"

enum
{
  CIRA_COL_NAME,
  CIRA_COL_TENANT_ID,
  CIRA_COL_MPS_SERVER_ADDRESS,
  CIRA_COL_MPS_PORT,
  CIRA_COL_USERNAME,
  CIRA_COL_COMMON_NAME,
  CIRA_COL_SERVER_ADDRESS_FORMAT,
  CIRA_COL_AUTH_METHOD,
  CIRA_COL_MPS_ROOT_CERTIFICATE,
  CIRA_COL_PROXY_DETAILS,
  CIRA_COL_VERSION,
  CIRA_COL_AUTO_ENROLL,
};

static GObject *
cira_config_from_row (sqlite3_stmt *stmt)
{
  ObCiraConfig *config = ob_cira_config_new (column_text (stmt, CIRA_COL_NAME));

  ob_cira_config_set_tenant_id (config, column_text (stmt, CIRA_COL_TENANT_ID));
  ob_cira_config_set_mps_server_address (config, column_text (stmt, CIRA_COL_MPS_SERVER_ADDRESS));
  ob_cira_config_set_mps_port (config, column_uint (stmt, CIRA_COL_MPS_PORT));
  ob_cira_config_set_username (config, column_text (stmt, CIRA_COL_USERNAME));
  ob_cira_config_set_common_name (config, column_text (stmt, CIRA_COL_COMMON_NAME));
  ob_cira_config_set_server_address_format (config,
                                            column_uint (stmt, CIRA_COL_SERVER_ADDRESS_FORMAT));
  ob_cira_config_set_auth_method (config, column_uint (stmt, CIRA_COL_AUTH_METHOD));
  ob_cira_config_set_mps_root_certificate (config,
                                           column_text (stmt, CIRA_COL_MPS_ROOT_CERTIFICATE));
  ob_cira_config_set_proxy_details (config, column_text (stmt, CIRA_COL_PROXY_DETAILS));
  ob_cira_config_set_version (config, sqlite3_column_int64 (stmt, CIRA_COL_VERSION));
  ob_cira_config_set_auto_enroll (config, sqlite3_column_int64 (stmt, CIRA_COL_AUTO_ENROLL) != 0);

  return G_OBJECT (config);
}

static char *
cira_config_explain (ObStore    *self,
                     WriteOp     op,
                     int         rc,
                     const char *key,
                     gpointer    record)
{
  g_autofree char *user = NULL;
  g_autofree char *name = NULL;
  g_autofree char *shown = NULL;

  if (op != WRITE_DELETE || rc != SQLITE_CONSTRAINT_FOREIGNKEY)
    return NULL;

  user = query_first (self, "SELECT name FROM profiles WHERE cira_config_name = :key"
                      " ORDER BY name LIMIT 1", key);
  if (user == NULL)
    return NULL;

  name = shorten (key);
  shown = shorten (user);

  return g_strdup_printf ("CIRA config “%s” is used by profile “%s”", name, shown);
}

static const TableInfo cira_config_table = {
  .kind = OB_STORE_KIND_CIRA_CONFIG,
  .label = "CIRA config",
  .table = "cira_configs",
  .key_column = "name",
  .columns = CIRA_CONFIG_COLUMNS,
  .order_by = "name",
  .filters = FILTER_TENANT,
  .from_row = cira_config_from_row,
  .explain = cira_config_explain,
};

static gboolean
validate_cira_config (ObCiraConfig  *config,
                      GError       **error)
{
  static const guint formats[] = {
    OB_CIRA_ADDRESS_FORMAT_IPV4, OB_CIRA_ADDRESS_FORMAT_IPV6, OB_CIRA_ADDRESS_FORMAT_FQDN
  };
  static const guint auth_methods[] = { 1, 2 };
  Checker c = { "CIRA config", ob_cira_config_get_name (config), error, FALSE };

  check_name (&c, "the name", ob_cira_config_get_name (config), TRUE);
  check_name (&c, "the tenant id", ob_cira_config_get_tenant_id (config), FALSE);
  check_name (&c, "the MPS server address", ob_cira_config_get_mps_server_address (config), FALSE);
  check_uint_range (&c, "the MPS port", ob_cira_config_get_mps_port (config), 0, G_MAXUINT16);
  check_name (&c, "the user name", ob_cira_config_get_username (config), FALSE);
  check_name (&c, "the common name", ob_cira_config_get_common_name (config), FALSE);
  check_uint_choice (&c, "the server address format",
                     ob_cira_config_get_server_address_format (config),
                     formats, G_N_ELEMENTS (formats));
  check_uint_choice (&c, "the authentication method", ob_cira_config_get_auth_method (config),
                     auth_methods, G_N_ELEMENTS (auth_methods));
  check_text (&c, "the MPS root certificate", ob_cira_config_get_mps_root_certificate (config),
              FALSE, TEXT_MAX_LEN, FALSE);
  check_text (&c, "the proxy details", ob_cira_config_get_proxy_details (config),
              FALSE, TEXT_MAX_LEN, FALSE);

  return !c.failed;
}

static void
bind_cira_config (sqlite3_stmt *stmt,
                  ObCiraConfig *config)
{
  const char *tenant_id = ob_cira_config_get_tenant_id (config);

  bind_text (stmt, ":name", ob_cira_config_get_name (config));
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_text (stmt, ":mps_server_address", ob_cira_config_get_mps_server_address (config));
  bind_int64 (stmt, ":mps_port", ob_cira_config_get_mps_port (config));
  bind_text (stmt, ":username", ob_cira_config_get_username (config));
  bind_text (stmt, ":common_name", ob_cira_config_get_common_name (config));
  bind_int64 (stmt, ":server_address_format", ob_cira_config_get_server_address_format (config));
  bind_int64 (stmt, ":auth_method", ob_cira_config_get_auth_method (config));
  bind_text (stmt, ":mps_root_certificate", ob_cira_config_get_mps_root_certificate (config));
  bind_text (stmt, ":proxy_details", ob_cira_config_get_proxy_details (config));
  bind_int64 (stmt, ":auto_enroll", ob_cira_config_get_auto_enroll (config) ? 1 : 0);
}

gboolean
ob_store_insert_cira_config (ObStore       *self,
                             ObCiraConfig  *config,
                             GError       **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (config), FALSE);

  if (!validate_cira_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "INSERT INTO cira_configs (" CIRA_CONFIG_COLUMNS ") VALUES ("
                        " :name, :tenant_id, :mps_server_address, :mps_port, :username,"
                        " :common_name, :server_address_format, :auth_method,"
                        " :mps_root_certificate, :proxy_details, 1, :auto_enroll)",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_cira_config (stmt, config);
      ok = finish_write (self, &cira_config_table, WRITE_INSERT, g_steal_pointer (&stmt),
                         ob_cira_config_get_name (config), 0, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_cira_config_set_version (config, 1);

  return TRUE;
}

gboolean
ob_store_update_cira_config (ObStore       *self,
                             ObCiraConfig  *config,
                             GError       **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_CIRA_CONFIG (config), FALSE);

  if (!validate_cira_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  expected = ob_cira_config_get_version (config);
  stmt = store_prepare (self,
                        "UPDATE cira_configs SET tenant_id = :tenant_id,"
                        " mps_server_address = :mps_server_address, mps_port = :mps_port,"
                        " username = :username, common_name = :common_name,"
                        " server_address_format = :server_address_format,"
                        " auth_method = :auth_method, mps_root_certificate = :mps_root_certificate,"
                        " proxy_details = :proxy_details, auto_enroll = :auto_enroll,"
                        " version = version + 1"
                        " WHERE name = :name AND version = :expected_version",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_cira_config (stmt, config);
      bind_int64 (stmt, ":expected_version", expected);
      ok = finish_write (self, &cira_config_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                         ob_cira_config_get_name (config), expected, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_cira_config_set_version (config, expected + 1);

  return TRUE;
}

ObCiraConfig *
ob_store_get_cira_config (ObStore     *self,
                          const char  *name,
                          GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return get_record_locked (self, &cira_config_table, name, error);
}

gboolean
ob_store_delete_cira_config (ObStore     *self,
                             const char  *name,
                             GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  return delete_record_locked (self, &cira_config_table, name, error);
}

GPtrArray *
ob_store_list_cira_configs (ObStore             *self,
                            const ObStoreQuery  *query,
                            guint               *total_count,
                            GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &cira_config_table, query, total_count, error);
}

/* ------------------------------------------------------------------------
 * Domains
 * ------------------------------------------------------------------------ */

#define DOMAIN_COLUMNS \
  "name, tenant_id, domain_suffix, provisioning_cert_storage_format, expiration_date, version"

enum
{
  DOMAIN_COL_NAME,
  DOMAIN_COL_TENANT_ID,
  DOMAIN_COL_DOMAIN_SUFFIX,
  DOMAIN_COL_STORAGE_FORMAT,
  DOMAIN_COL_EXPIRATION_DATE,
  DOMAIN_COL_VERSION,
};

static GObject *
domain_from_row (sqlite3_stmt *stmt)
{
  ObDomain *domain = ob_domain_new (column_text (stmt, DOMAIN_COL_NAME));
  g_autoptr(GDateTime) expiration = column_datetime (stmt, DOMAIN_COL_EXPIRATION_DATE);

  ob_domain_set_tenant_id (domain, column_text (stmt, DOMAIN_COL_TENANT_ID));
  ob_domain_set_domain_suffix (domain, column_text (stmt, DOMAIN_COL_DOMAIN_SUFFIX));
  ob_domain_set_provisioning_cert_storage_format (domain,
                                                  column_text (stmt, DOMAIN_COL_STORAGE_FORMAT));
  ob_domain_set_expiration_date (domain, expiration);
  ob_domain_set_version (domain, sqlite3_column_int64 (stmt, DOMAIN_COL_VERSION));

  return G_OBJECT (domain);
}

/* Two unique keys: say which one clashed. */
static char *
domain_explain (ObStore    *self,
                WriteOp     op,
                int         rc,
                const char *key,
                gpointer    record)
{
  ObDomain *domain = record;
  g_autofree char *name = shorten (key);
  g_autofree char *owner = NULL;
  g_autofree char *shown_owner = NULL;
  g_autofree char *suffix = NULL;

  if (domain == NULL
      || (rc != SQLITE_CONSTRAINT_UNIQUE && rc != SQLITE_CONSTRAINT_PRIMARYKEY))
    return NULL;

  if (op == WRITE_INSERT && exists (self, "SELECT 1 FROM domains WHERE name = :key", key))
    return g_strdup_printf ("Domain “%s” already exists", name);

  owner = query_first (self, "SELECT name FROM domains WHERE domain_suffix = :key",
                       ob_domain_get_domain_suffix (domain));
  if (owner == NULL)
    return NULL;

  shown_owner = shorten (owner);
  suffix = shorten (ob_domain_get_domain_suffix (domain));

  return g_strdup_printf ("Domain suffix “%s” of domain “%s” is already used by domain “%s”",
                          suffix, name, shown_owner);
}

static const TableInfo domain_table = {
  .kind = OB_STORE_KIND_DOMAIN,
  .label = "Domain",
  .table = "domains",
  .key_column = "name",
  .columns = DOMAIN_COLUMNS,
  .order_by = "name",
  .filters = FILTER_TENANT,
  .from_row = domain_from_row,
  .explain = domain_explain,
};

static gboolean
validate_domain (ObDomain  *domain,
                 GError   **error)
{
  static const char * const formats[] = { "raw", "string", NULL };
  Checker c = { "domain", ob_domain_get_name (domain), error, FALSE };

  check_name (&c, "the name", ob_domain_get_name (domain), TRUE);
  check_name (&c, "the tenant id", ob_domain_get_tenant_id (domain), FALSE);
  check_name (&c, "the domain suffix", ob_domain_get_domain_suffix (domain), TRUE);
  check_choice (&c, "the storage format", ob_domain_get_provisioning_cert_storage_format (domain),
                FALSE, formats);

  return !c.failed;
}

static void
bind_domain (sqlite3_stmt *stmt,
             ObDomain     *domain)
{
  const char *tenant_id = ob_domain_get_tenant_id (domain);

  bind_text (stmt, ":name", ob_domain_get_name (domain));
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_text (stmt, ":domain_suffix", ob_domain_get_domain_suffix (domain));
  bind_text (stmt, ":storage_format", ob_domain_get_provisioning_cert_storage_format (domain));
  bind_datetime (stmt, ":expiration_date", ob_domain_get_expiration_date (domain));
}

gboolean
ob_store_insert_domain (ObStore   *self,
                        ObDomain  *domain,
                        GError   **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_DOMAIN (domain), FALSE);

  if (!validate_domain (domain, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "INSERT INTO domains (" DOMAIN_COLUMNS ") VALUES ("
                        " :name, :tenant_id, :domain_suffix, :storage_format, :expiration_date, 1)",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_domain (stmt, domain);
      ok = finish_write (self, &domain_table, WRITE_INSERT, g_steal_pointer (&stmt),
                         ob_domain_get_name (domain), 0, domain, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_domain_set_version (domain, 1);

  return TRUE;
}

gboolean
ob_store_update_domain (ObStore   *self,
                        ObDomain  *domain,
                        GError   **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_DOMAIN (domain), FALSE);

  if (!validate_domain (domain, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  expected = ob_domain_get_version (domain);
  stmt = store_prepare (self,
                        "UPDATE domains SET tenant_id = :tenant_id, domain_suffix = :domain_suffix,"
                        " provisioning_cert_storage_format = :storage_format,"
                        " expiration_date = :expiration_date, version = version + 1"
                        " WHERE name = :name AND version = :expected_version",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_domain (stmt, domain);
      bind_int64 (stmt, ":expected_version", expected);
      ok = finish_write (self, &domain_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                         ob_domain_get_name (domain), expected, domain, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_domain_set_version (domain, expected + 1);

  return TRUE;
}

ObDomain *
ob_store_get_domain (ObStore     *self,
                     const char  *name,
                     GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return get_record_locked (self, &domain_table, name, error);
}

/* RPS activation: the domain whose suffix is the device's DNS suffix,
 * compared without regard to case. */
ObDomain *
ob_store_get_domain_by_suffix (ObStore     *self,
                               const char  *domain_suffix,
                               GError     **error)
{
  g_autofree char *name = NULL;
  g_autoptr(GObject) domain = NULL;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  if (!tx_begin (self, FALSE, error))
    return NULL;

  if (domain_suffix != NULL)
    name = query_first (self, "SELECT name FROM domains WHERE domain_suffix = :key",
                        domain_suffix);

  if (name == NULL)
    {
      g_autofree char *shown = shorten (domain_suffix);

      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_NOT_FOUND,
                   "No domain has the suffix “%s”", shown);
    }
  else
    {
      domain = get_record (self, &domain_table, name, error);
    }

  if (!tx_finish (self, domain != NULL, error))
    return NULL;

  return OB_DOMAIN (g_steal_pointer (&domain));
}

gboolean
ob_store_delete_domain (ObStore     *self,
                        const char  *name,
                        GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  return delete_record_locked (self, &domain_table, name, error);
}

GPtrArray *
ob_store_list_domains (ObStore             *self,
                       const ObStoreQuery  *query,
                       guint               *total_count,
                       GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &domain_table, query, total_count, error);
}

/* ------------------------------------------------------------------------
 * Wireless configs
 * ------------------------------------------------------------------------ */

#define WIRELESS_CONFIG_COLUMNS \
  "name, tenant_id, authentication_method, encryption_method, ssid, psk_value, link_policy," \
  " ieee8021x_profile_name, version"

enum
{
  WIRELESS_COL_NAME,
  WIRELESS_COL_TENANT_ID,
  WIRELESS_COL_AUTHENTICATION_METHOD,
  WIRELESS_COL_ENCRYPTION_METHOD,
  WIRELESS_COL_SSID,
  WIRELESS_COL_PSK_VALUE,
  WIRELESS_COL_LINK_POLICY,
  WIRELESS_COL_IEEE8021X_PROFILE_NAME,
  WIRELESS_COL_VERSION,
};

static GVariant *
link_policy_from_json (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint32));
  JsonNode *root;
  JsonArray *array;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    return NULL;

  array = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);
      gint32 value;

      if (!JSON_NODE_HOLDS_VALUE (element) || json_node_get_value_type (element) != G_TYPE_INT64)
        continue;
      value = (gint32) CLAMP (json_node_get_int (element), G_MININT32, G_MAXINT32);
      g_array_append_val (values, value);
    }

  return g_variant_new_fixed_array (G_VARIANT_TYPE_INT32, values->data, values->len,
                                    sizeof (gint32));
}

static char *
link_policy_to_json (ObWirelessConfig *config)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  const gint32 *values;
  gsize n_values;

  if (ob_wireless_config_get_link_policy_variant (config) == NULL)
    return NULL;

  values = ob_wireless_config_get_link_policy (config, &n_values);
  json_builder_begin_array (builder);
  for (gsize i = 0; i < n_values; i++)
    json_builder_add_int_value (builder, values[i]);
  json_builder_end_array (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);

  return json_generator_to_data (generator, NULL);
}

static GObject *
wireless_config_from_row (sqlite3_stmt *stmt)
{
  ObWirelessConfig *config = ob_wireless_config_new (column_text (stmt, WIRELESS_COL_NAME));

  ob_wireless_config_set_tenant_id (config, column_text (stmt, WIRELESS_COL_TENANT_ID));
  ob_wireless_config_set_authentication_method (config,
                                                column_uint (stmt, WIRELESS_COL_AUTHENTICATION_METHOD));
  ob_wireless_config_set_encryption_method (config,
                                            column_uint (stmt, WIRELESS_COL_ENCRYPTION_METHOD));
  ob_wireless_config_set_ssid (config, column_text (stmt, WIRELESS_COL_SSID));
  ob_wireless_config_set_psk_value (config, sqlite3_column_int (stmt, WIRELESS_COL_PSK_VALUE));
  ob_wireless_config_set_link_policy_variant (config,
                                              link_policy_from_json (column_text (stmt, WIRELESS_COL_LINK_POLICY)));
  ob_wireless_config_set_ieee8021x_profile_name (config,
                                                 column_text (stmt, WIRELESS_COL_IEEE8021X_PROFILE_NAME));
  ob_wireless_config_set_version (config, sqlite3_column_int64 (stmt, WIRELESS_COL_VERSION));

  return G_OBJECT (config);
}

static char *
wireless_config_explain (ObStore    *self,
                         WriteOp     op,
                         int         rc,
                         const char *key,
                         gpointer    record)
{
  g_autofree char *name = shorten (key);

  if (rc != SQLITE_CONSTRAINT_FOREIGNKEY)
    return NULL;

  if (op == WRITE_DELETE)
    {
      g_autofree char *user = NULL;
      g_autofree char *shown = NULL;

      user = query_first (self, "SELECT profile_name FROM profile_wireless"
                          " WHERE wireless_name = :key ORDER BY profile_name LIMIT 1", key);
      if (user == NULL)
        return NULL;

      shown = shorten (user);
      return g_strdup_printf ("Wireless config “%s” is used by profile “%s”", name, shown);
    }
  else if (record != NULL)
    {
      const char *ieee = ob_wireless_config_get_ieee8021x_profile_name (record);
      g_autofree char *shown = shorten (ieee);

      return g_strdup_printf ("Wireless config “%s” refers to 802.1x config “%s”, which does not exist",
                              name, shown);
    }

  return NULL;
}

static const TableInfo wireless_config_table = {
  .kind = OB_STORE_KIND_WIRELESS_CONFIG,
  .label = "Wireless config",
  .table = "wireless_configs",
  .key_column = "name",
  .columns = WIRELESS_CONFIG_COLUMNS,
  .order_by = "name",
  .filters = FILTER_TENANT,
  .from_row = wireless_config_from_row,
  .explain = wireless_config_explain,
};

static gboolean
validate_wireless_config (ObWirelessConfig  *config,
                          GError           **error)
{
  static const guint auth_methods[] = { 4, 5, 6, 7 };
  static const guint encryption_methods[] = { 3, 4 };
  Checker c = { "wireless config", ob_wireless_config_get_name (config), error, FALSE };
  gsize n_policies = 0;

  check_name (&c, "the name", ob_wireless_config_get_name (config), TRUE);
  check_name (&c, "the tenant id", ob_wireless_config_get_tenant_id (config), FALSE);
  check_uint_choice (&c, "the authentication method",
                     ob_wireless_config_get_authentication_method (config),
                     auth_methods, G_N_ELEMENTS (auth_methods));
  check_uint_choice (&c, "the encryption method",
                     ob_wireless_config_get_encryption_method (config),
                     encryption_methods, G_N_ELEMENTS (encryption_methods));
  /* An SSID is at most 32 octets (IEEE 802.11). */
  check_text (&c, "the SSID", ob_wireless_config_get_ssid (config), FALSE, 32, FALSE);
  check_name (&c, "the 802.1x config name", ob_wireless_config_get_ieee8021x_profile_name (config),
              FALSE);

  ob_wireless_config_get_link_policy (config, &n_policies);
  if (n_policies > MAX_LINK_POLICY)
    checker_fail (&c, "more than %d link policy values", MAX_LINK_POLICY);

  return !c.failed;
}

static void
bind_wireless_config (sqlite3_stmt     *stmt,
                      ObWirelessConfig *config)
{
  const char *tenant_id = ob_wireless_config_get_tenant_id (config);
  g_autofree char *link_policy = link_policy_to_json (config);

  bind_text (stmt, ":name", ob_wireless_config_get_name (config));
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_int64 (stmt, ":authentication_method", ob_wireless_config_get_authentication_method (config));
  bind_int64 (stmt, ":encryption_method", ob_wireless_config_get_encryption_method (config));
  bind_text (stmt, ":ssid", ob_wireless_config_get_ssid (config));
  bind_int64 (stmt, ":psk_value", ob_wireless_config_get_psk_value (config));
  bind_text (stmt, ":link_policy", link_policy);
  bind_text (stmt, ":ieee8021x_profile_name",
             reference_or_null (ob_wireless_config_get_ieee8021x_profile_name (config)));
}

gboolean
ob_store_insert_wireless_config (ObStore           *self,
                                 ObWirelessConfig  *config,
                                 GError           **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (config), FALSE);

  if (!validate_wireless_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "INSERT INTO wireless_configs (" WIRELESS_CONFIG_COLUMNS ") VALUES ("
                        " :name, :tenant_id, :authentication_method, :encryption_method, :ssid,"
                        " :psk_value, :link_policy,"
                        " " CANONICAL_REF ("ieee8021x_configs", ":ieee8021x_profile_name") ", 1)",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_wireless_config (stmt, config);
      ok = finish_write (self, &wireless_config_table, WRITE_INSERT, g_steal_pointer (&stmt),
                         ob_wireless_config_get_name (config), 0, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_wireless_config_set_version (config, 1);

  return TRUE;
}

gboolean
ob_store_update_wireless_config (ObStore           *self,
                                 ObWirelessConfig  *config,
                                 GError           **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_WIRELESS_CONFIG (config), FALSE);

  if (!validate_wireless_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  expected = ob_wireless_config_get_version (config);
  stmt = store_prepare (self,
                        "UPDATE wireless_configs SET tenant_id = :tenant_id,"
                        " authentication_method = :authentication_method,"
                        " encryption_method = :encryption_method, ssid = :ssid,"
                        " psk_value = :psk_value, link_policy = :link_policy,"
                        " ieee8021x_profile_name = "
                        CANONICAL_REF ("ieee8021x_configs", ":ieee8021x_profile_name") ","
                        " version = version + 1"
                        " WHERE name = :name AND version = :expected_version",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_wireless_config (stmt, config);
      bind_int64 (stmt, ":expected_version", expected);
      ok = finish_write (self, &wireless_config_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                         ob_wireless_config_get_name (config), expected, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_wireless_config_set_version (config, expected + 1);

  return TRUE;
}

ObWirelessConfig *
ob_store_get_wireless_config (ObStore     *self,
                              const char  *name,
                              GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return get_record_locked (self, &wireless_config_table, name, error);
}

gboolean
ob_store_delete_wireless_config (ObStore     *self,
                                 const char  *name,
                                 GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  return delete_record_locked (self, &wireless_config_table, name, error);
}

GPtrArray *
ob_store_list_wireless_configs (ObStore             *self,
                                const ObStoreQuery  *query,
                                guint               *total_count,
                                GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &wireless_config_table, query, total_count, error);
}

/* ------------------------------------------------------------------------
 * IEEE 802.1x configs
 * ------------------------------------------------------------------------ */

#define IEEE8021X_CONFIG_COLUMNS \
  "name, tenant_id, authentication_protocol, pxe_timeout, wired_interface, version"

enum
{
  IEEE8021X_COL_NAME,
  IEEE8021X_COL_TENANT_ID,
  IEEE8021X_COL_AUTHENTICATION_PROTOCOL,
  IEEE8021X_COL_PXE_TIMEOUT,
  IEEE8021X_COL_WIRED_INTERFACE,
  IEEE8021X_COL_VERSION,
};

static GObject *
ieee8021x_config_from_row (sqlite3_stmt *stmt)
{
  ObIeee8021xConfig *config = ob_ieee8021x_config_new (column_text (stmt, IEEE8021X_COL_NAME));

  ob_ieee8021x_config_set_tenant_id (config, column_text (stmt, IEEE8021X_COL_TENANT_ID));
  ob_ieee8021x_config_set_authentication_protocol (config,
                                                   column_uint (stmt, IEEE8021X_COL_AUTHENTICATION_PROTOCOL));
  ob_ieee8021x_config_set_pxe_timeout (config, column_uint (stmt, IEEE8021X_COL_PXE_TIMEOUT));
  ob_ieee8021x_config_set_wired_interface (config,
                                           column_bool (stmt, IEEE8021X_COL_WIRED_INTERFACE));
  ob_ieee8021x_config_set_version (config, sqlite3_column_int64 (stmt, IEEE8021X_COL_VERSION));

  return G_OBJECT (config);
}

static char *
ieee8021x_config_explain (ObStore    *self,
                          WriteOp     op,
                          int         rc,
                          const char *key,
                          gpointer    record)
{
  g_autofree char *name = NULL;
  g_autofree char *user = NULL;
  g_autofree char *shown = NULL;

  if (op != WRITE_DELETE || rc != SQLITE_CONSTRAINT_FOREIGNKEY)
    return NULL;

  name = shorten (key);

  user = query_first (self, "SELECT name FROM profiles WHERE ieee8021x_profile_name = :key"
                      " ORDER BY name LIMIT 1", key);
  if (user != NULL)
    {
      shown = shorten (user);
      return g_strdup_printf ("802.1x config “%s” is used by profile “%s”", name, shown);
    }

  user = query_first (self, "SELECT name FROM wireless_configs WHERE ieee8021x_profile_name = :key"
                      " ORDER BY name LIMIT 1", key);
  if (user != NULL)
    {
      shown = shorten (user);
      return g_strdup_printf ("802.1x config “%s” is used by wireless config “%s”", name, shown);
    }

  return NULL;
}

static const TableInfo ieee8021x_config_table = {
  .kind = OB_STORE_KIND_IEEE8021X_CONFIG,
  .label = "802.1x config",
  .table = "ieee8021x_configs",
  .key_column = "name",
  .columns = IEEE8021X_CONFIG_COLUMNS,
  .order_by = "name",
  .filters = FILTER_TENANT,
  .from_row = ieee8021x_config_from_row,
  .explain = ieee8021x_config_explain,
};

static gboolean
validate_ieee8021x_config (ObIeee8021xConfig  *config,
                           GError            **error)
{
  static const guint protocols[] = { 0, 2, 3, 5, 10 };
  Checker c = { "802.1x config", ob_ieee8021x_config_get_name (config), error, FALSE };

  check_name (&c, "the name", ob_ieee8021x_config_get_name (config), TRUE);
  check_name (&c, "the tenant id", ob_ieee8021x_config_get_tenant_id (config), FALSE);
  check_uint_choice (&c, "the authentication protocol",
                     ob_ieee8021x_config_get_authentication_protocol (config),
                     protocols, G_N_ELEMENTS (protocols));
  check_uint_range (&c, "the PXE timeout", ob_ieee8021x_config_get_pxe_timeout (config), 0, 86400);

  return !c.failed;
}

static void
bind_ieee8021x_config (sqlite3_stmt      *stmt,
                       ObIeee8021xConfig *config)
{
  const char *tenant_id = ob_ieee8021x_config_get_tenant_id (config);

  bind_text (stmt, ":name", ob_ieee8021x_config_get_name (config));
  bind_text (stmt, ":tenant_id", tenant_id != NULL ? tenant_id : "");
  bind_int64 (stmt, ":authentication_protocol",
              ob_ieee8021x_config_get_authentication_protocol (config));
  bind_int64 (stmt, ":pxe_timeout", ob_ieee8021x_config_get_pxe_timeout (config));
  bind_int64 (stmt, ":wired_interface", ob_ieee8021x_config_get_wired_interface (config));
}

gboolean
ob_store_insert_ieee8021x_config (ObStore            *self,
                                  ObIeee8021xConfig  *config,
                                  GError            **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (config), FALSE);

  if (!validate_ieee8021x_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "INSERT INTO ieee8021x_configs (" IEEE8021X_CONFIG_COLUMNS ") VALUES ("
                        " :name, :tenant_id, :authentication_protocol, :pxe_timeout,"
                        " :wired_interface, 1)",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_ieee8021x_config (stmt, config);
      ok = finish_write (self, &ieee8021x_config_table, WRITE_INSERT, g_steal_pointer (&stmt),
                         ob_ieee8021x_config_get_name (config), 0, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_ieee8021x_config_set_version (config, 1);

  return TRUE;
}

gboolean
ob_store_update_ieee8021x_config (ObStore            *self,
                                  ObIeee8021xConfig  *config,
                                  GError            **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  gint64 expected;
  gboolean ok;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_IEEE8021X_CONFIG (config), FALSE);

  if (!validate_ieee8021x_config (config, error) || !tx_begin (self, TRUE, error))
    return FALSE;

  expected = ob_ieee8021x_config_get_version (config);
  stmt = store_prepare (self,
                        "UPDATE ieee8021x_configs SET tenant_id = :tenant_id,"
                        " authentication_protocol = :authentication_protocol,"
                        " pxe_timeout = :pxe_timeout, wired_interface = :wired_interface,"
                        " version = version + 1"
                        " WHERE name = :name AND version = :expected_version",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_ieee8021x_config (stmt, config);
      bind_int64 (stmt, ":expected_version", expected);
      ok = finish_write (self, &ieee8021x_config_table, WRITE_UPDATE, g_steal_pointer (&stmt),
                         ob_ieee8021x_config_get_name (config), expected, config, error);
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  ob_ieee8021x_config_set_version (config, expected + 1);

  return TRUE;
}

ObIeee8021xConfig *
ob_store_get_ieee8021x_config (ObStore     *self,
                               const char  *name,
                               GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return get_record_locked (self, &ieee8021x_config_table, name, error);
}

gboolean
ob_store_delete_ieee8021x_config (ObStore     *self,
                                  const char  *name,
                                  GError     **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  return delete_record_locked (self, &ieee8021x_config_table, name, error);
}

GPtrArray *
ob_store_list_ieee8021x_configs (ObStore             *self,
                                 const ObStoreQuery  *query,
                                 guint               *total_count,
                                 GError             **error)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return list_records_locked (self, &ieee8021x_config_table, query, total_count, error);
}

/* ------------------------------------------------------------------------
 * The activity log
 * ------------------------------------------------------------------------ */

#define ACTIVITY_COLUMNS "id, timestamp, actor, action, device_guid, target, result, detail"

enum
{
  ACTIVITY_COL_ID,
  ACTIVITY_COL_TIMESTAMP,
  ACTIVITY_COL_ACTOR,
  ACTIVITY_COL_ACTION,
  ACTIVITY_COL_DEVICE_GUID,
  ACTIVITY_COL_TARGET,
  ACTIVITY_COL_RESULT,
  ACTIVITY_COL_DETAIL,
};

static GObject *
activity_entry_from_row (sqlite3_stmt *stmt)
{
  ObActivityEntry *entry = ob_activity_entry_new (column_text (stmt, ACTIVITY_COL_ACTOR),
                                                  column_text (stmt, ACTIVITY_COL_ACTION));
  ObActivityResult result = OB_ACTIVITY_RESULT_FAILURE;

  ob_activity_result_from_string (column_text (stmt, ACTIVITY_COL_RESULT), &result);

  ob_activity_entry_set_id (entry, MAX (sqlite3_column_int64 (stmt, ACTIVITY_COL_ID), 0));
  ob_activity_entry_set_timestamp (entry,
                                   MAX (sqlite3_column_int64 (stmt, ACTIVITY_COL_TIMESTAMP), 0));
  ob_activity_entry_set_device_guid (entry, column_text (stmt, ACTIVITY_COL_DEVICE_GUID));
  ob_activity_entry_set_target (entry, column_text (stmt, ACTIVITY_COL_TARGET));
  ob_activity_entry_set_result (entry, result);
  ob_activity_entry_set_detail (entry, column_text (stmt, ACTIVITY_COL_DETAIL));

  return G_OBJECT (entry);
}

static const TableInfo activity_table = {
  .kind = OB_STORE_KIND_ACTIVITY,
  .label = "Activity entry",
  .table = "activity_log",
  .key_column = "id",
  .columns = ACTIVITY_COLUMNS,
  .order_by = "timestamp DESC, id DESC",
  .filters = FILTER_ACTIVITY,
  .from_row = activity_entry_from_row,
};

gboolean
ob_store_append_activity (ObStore          *self,
                          ObActivityEntry  *entry,
                          GError          **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  g_autofree char *device_guid = NULL;
  const char *guid;
  const char *result;
  gint64 timestamp;
  gboolean ok;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);
  g_return_val_if_fail (OB_IS_ACTIVITY_ENTRY (entry), FALSE);

  {
    Checker c = { "activity entry", ob_activity_entry_get_action (entry), error, FALSE };

    check_name (&c, "the actor", ob_activity_entry_get_actor (entry), TRUE);
    check_name (&c, "the action", ob_activity_entry_get_action (entry), TRUE);
    check_name (&c, "the device GUID", ob_activity_entry_get_device_guid (entry), FALSE);
    check_text (&c, "the target", ob_activity_entry_get_target (entry), FALSE, NAME_MAX_LEN, TRUE);
    check_text (&c, "the detail", ob_activity_entry_get_detail (entry), FALSE, 64 * 1024, FALSE);
    result = ob_activity_result_to_string (ob_activity_entry_get_result (entry));
    if (result == NULL)
      checker_fail (&c, "unknown result %d", (int) ob_activity_entry_get_result (entry));
    if (c.failed)
      return FALSE;
  }

  /* A device's GUID is logged in its stored form, so that filtering by
   * device finds it; anything else (a malformed GUID a peer sent) verbatim. */
  guid = ob_activity_entry_get_device_guid (entry);
  device_guid = normalize_guid (guid);
  if (device_guid == NULL)
    device_guid = g_strdup (guid);

  timestamp = ob_activity_entry_get_timestamp (entry);
  if (timestamp == 0)
    timestamp = g_get_real_time ();

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self,
                        "INSERT INTO activity_log (timestamp, actor, action, device_guid, target,"
                        " result, detail) VALUES (:timestamp, :actor, :action, :device_guid,"
                        " :target, :result, :detail)",
                        error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_int64 (stmt, ":timestamp", timestamp);
      bind_text (stmt, ":actor", ob_activity_entry_get_actor (entry));
      bind_text (stmt, ":action", ob_activity_entry_get_action (entry));
      bind_text (stmt, ":device_guid", device_guid);
      bind_text (stmt, ":target", ob_activity_entry_get_target (entry));
      bind_text (stmt, ":result", result);
      bind_text (stmt, ":detail", ob_activity_entry_get_detail (entry));
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          set_write_error (self, &activity_table, WRITE_INSERT, rc,
                           ob_activity_entry_get_action (entry), entry, error);
          ok = FALSE;
        }
      else
        {
          queue_change (self, OB_STORE_KIND_ACTIVITY, NULL);
        }
    }

  /* Read the id before COMMIT: nothing else can insert in between. */
  if (ok)
    ob_activity_entry_set_id (entry, sqlite3_last_insert_rowid (self->db));

  if (!tx_finish (self, ok, error))
    {
      ob_activity_entry_set_id (entry, 0);
      return FALSE;
    }

  ob_activity_entry_set_device_guid (entry, device_guid);
  ob_activity_entry_set_timestamp (entry, timestamp);

  return TRUE;
}

gboolean
ob_store_log_activity (ObStore           *self,
                       const char        *actor,
                       const char        *action,
                       const char        *device_guid,
                       const char        *target,
                       ObActivityResult   result,
                       const char        *detail,
                       GError           **error)
{
  g_autoptr(ObActivityEntry) entry = NULL;

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  entry = ob_activity_entry_new (actor, action);
  ob_activity_entry_set_device_guid (entry, device_guid);
  ob_activity_entry_set_target (entry, target);
  ob_activity_entry_set_result (entry, result);
  ob_activity_entry_set_detail (entry, detail);

  return ob_store_append_activity (self, entry, error);
}

GPtrArray *
ob_store_list_activity_entries (ObStore             *self,
                                const ObStoreQuery  *query,
                                guint               *total_count,
                                GError             **error)
{
  g_autofree char *device_guid = NULL;
  ObStoreQuery normalized;

  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  if (query != NULL && query->device_guid != NULL)
    {
      /* Match what append stored. */
      normalized = *query;
      device_guid = normalize_guid (query->device_guid);
      if (device_guid != NULL)
        normalized.device_guid = device_guid;
      query = &normalized;
    }

  return list_records_locked (self, &activity_table, query, total_count, error);
}

gboolean
ob_store_delete_activity_before (ObStore     *self,
                                 gint64       timestamp,
                                 guint       *n_deleted,
                                 GError     **error)
{
  g_autoptr(ObStoreStmt) stmt = NULL;
  guint deleted = 0;
  gboolean ok;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  if (n_deleted != NULL)
    *n_deleted = 0;

  if (!tx_begin (self, TRUE, error))
    return FALSE;

  stmt = store_prepare (self, "DELETE FROM activity_log WHERE timestamp < :timestamp", error);
  ok = stmt != NULL;
  if (ok)
    {
      bind_int64 (stmt, ":timestamp", timestamp);
      rc = step_done (stmt);
      g_clear_pointer (&stmt, stmt_release);

      if (rc != SQLITE_DONE)
        {
          set_database_error (self, rc, error, "Could not trim the activity log");
          ok = FALSE;
        }
      else
        {
          deleted = sqlite3_changes (self->db);
          if (deleted > 0)
            queue_change (self, OB_STORE_KIND_ACTIVITY, NULL);
        }
    }

  if (!tx_finish (self, ok, error))
    return FALSE;

  if (n_deleted != NULL)
    *n_deleted = deleted;

  return TRUE;
}

/* ------------------------------------------------------------------------
 * Opening and migrations
 * ------------------------------------------------------------------------ */

/* The first column of a one-row pragma, as an integer. */
static gboolean
pragma_int (ObStore     *self,
            const char  *sql,
            gint64      *value,
            GError     **error)
{
  sqlite3_stmt *stmt = NULL;
  int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);

  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW)
        {
          *value = sqlite3_column_int64 (stmt, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_OK)
    {
      set_database_error (self, rc, error, "Could not read the database settings");
      return FALSE;
    }

  return TRUE;
}

static gboolean
migrate (ObStore  *self,
         GError  **error)
{
  const guint latest = G_N_ELEMENTS (migrations);

  for (;;)
    {
      g_autofree char *set_version = NULL;
      g_autoptr(GError) local_error = NULL;
      gint64 version = 0;

      /* Read the version under the write lock, so that two processes
       * opening a fresh database do not both migrate it. */
      if (!exec_sql (self, "BEGIN IMMEDIATE", error))
        return FALSE;

      if (!pragma_int (self, "PRAGMA user_version", &version, &local_error))
        {
          exec_sql (self, "ROLLBACK", NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }

      if (version < 0 || version > latest)
        {
          exec_sql (self, "ROLLBACK", NULL);
          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_TOO_NEW,
                       "The database %s has schema version %" G_GINT64_FORMAT
                       ", but this version of Outband only knows up to %u;"
                       " it was written by a newer Outband",
                       self->path, version, latest);
          return FALSE;
        }

      if (version == latest)
        return exec_sql (self, "COMMIT", error);

      g_debug ("Migrating %s from schema version %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
               self->path, version, version + 1);

      /* The version is our own integer, not input: PRAGMA takes no
       * parameters. */
      set_version = g_strdup_printf ("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
      if (!exec_sql (self, migrations[version], &local_error)
          || !exec_sql (self, set_version, &local_error)
          || !exec_sql (self, "COMMIT", &local_error))
        {
          if (!sqlite3_get_autocommit (self->db))
            exec_sql (self, "ROLLBACK", NULL);
          g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                       "Could not upgrade the database %s to schema version %" G_GINT64_FORMAT ": %s",
                       self->path, version + 1, local_error->message);
          return FALSE;
        }
    }
}

static gboolean
store_open (ObStore  *self,
            GError  **error)
{
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autofree char *what = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 foreign_keys = 0;
  gint64 n_devices = 0;
  gboolean wal;
  int rc;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                   "Could not create the folder %s: %s", dir, g_strerror (saved_errno));
      return FALSE;
    }

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      what = g_strdup_printf ("Could not open the database %s", self->path);
      set_database_error (self, rc, error, what);
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  /* Refuse writes that could corrupt the file through SQL.  The schema
   * stays trusted: its CHECK constraints use the JSON functions, which
   * SQLite 3.40 does not mark innocuous, and we register no functions of
   * our own that a tampered file could call. */
  sqlite3_db_config (self->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);

  /* WAL: readers never block the writer, and a commit is one append, so a
   * crash at any point leaves the last committed state.  synchronous=NORMAL
   * is enough for that: with WAL it never corrupts the database; only a
   * power loss (not a killed process) can lose the most recent commits,
   * which is an acceptable trade for not syncing on every activity entry. */
  rc = sqlite3_prepare_v2 (self->db, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  wal = rc == SQLITE_ROW && g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
  sqlite3_finalize (stmt);

  if (rc != SQLITE_ROW)
    {
      what = g_strdup_printf ("Could not open the database %s", self->path);
      set_database_error (self, rc, error, what);
      return FALSE;
    }
  if (!wal)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                   "The database %s cannot use write-ahead logging", self->path);
      return FALSE;
    }

  if (!exec_sql (self, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", error))
    return FALSE;

  if (!pragma_int (self, "PRAGMA foreign_keys", &foreign_keys, error))
    return FALSE;
  if (foreign_keys != 1)
    {
      g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                           "This SQLite does not enforce foreign keys");
      return FALSE;
    }

  if (!migrate (self, error))
    return FALSE;

  /* The one count of the rows; commits keep it from here on. */
  if (!pragma_int (self, "SELECT count(*) FROM devices", &n_devices, error))
    return FALSE;
  g_atomic_int_set (&self->n_devices, (gint) CLAMP (n_devices, 0, G_MAXINT));

  return TRUE;
}

guint
ob_store_get_latest_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

guint
ob_store_get_schema_version (ObStore *self)
{
  gint64 version = 0;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), 0);

  if (!pragma_int (self, "PRAGMA user_version", &version, NULL))
    return 0;

  return (guint) CLAMP (version, 0, G_MAXUINT);
}

const char *
ob_store_get_path (ObStore *self)
{
  g_return_val_if_fail (OB_IS_STORE (self), NULL);

  return self->path;
}

gboolean
ob_store_integrity_check (ObStore  *self,
                          GError  **error)
{
  g_autoptr(GString) problems = g_string_new (NULL);
  sqlite3_stmt *stmt = NULL;
  int rc;
  STORE_LOCKED (self);

  g_return_val_if_fail (OB_IS_STORE (self), FALSE);

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA integrity_check", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *line = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (line, "ok") != 0)
        g_string_append_printf (problems, "%s%s", problems->len > 0 ? "; " : "", line);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  stmt = NULL;

  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not check the database");
      return FALSE;
    }

  rc = sqlite3_prepare_v2 (self->db, "PRAGMA foreign_key_check", -1, &stmt, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_string_append_printf (problems,
                              "%srow %" G_GINT64_FORMAT " of %s refers to a missing row of %s",
                              problems->len > 0 ? "; " : "",
                              (gint64) sqlite3_column_int64 (stmt, 1),
                              (const char *) sqlite3_column_text (stmt, 0),
                              (const char *) sqlite3_column_text (stmt, 2));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);

  if (rc != SQLITE_DONE)
    {
      set_database_error (self, rc, error, "Could not check the database");
      return FALSE;
    }

  if (problems->len > 0)
    {
      g_set_error (error, OB_STORE_ERROR, OB_STORE_ERROR_DATABASE,
                   "The database %s is damaged: %s", self->path, problems->str);
      return FALSE;
    }

  return TRUE;
}

/* ------------------------------------------------------------------------
 * GObject
 * ------------------------------------------------------------------------ */

static gboolean
ob_store_initable_init (GInitable     *initable,
                        GCancellable  *cancellable,
                        GError       **error)
{
  ObStore *self = OB_STORE (initable);
  STORE_LOCKED (self);

  if (self->path == NULL || *self->path == '\0')
    {
      g_set_error_literal (error, OB_STORE_ERROR, OB_STORE_ERROR_INVALID,
                           "No database path given");
      return FALSE;
    }

  return store_open (self, error);
}

static void
ob_store_initable_iface_init (GInitableIface *iface)
{
  iface->init = ob_store_initable_init;
}

static void
ob_store_finalize (GObject *object)
{
  ObStore *self = (ObStore *) object;

  g_warn_if_fail (self->tx_depth == 0);

  /* Statements first: sqlite3_close refuses while any is alive. */
  g_clear_pointer (&self->statements, g_hash_table_unref);
  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_warning ("Could not close the database %s: %s", self->path, sqlite3_errstr (rc));
      self->db = NULL;
    }

  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->tx_marks, g_array_unref);
  g_clear_pointer (&self->pending, g_ptr_array_unref);
  g_clear_pointer (&self->committed, g_ptr_array_unref);
  g_rec_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (ob_store_parent_class)->finalize (object);
}

static void
ob_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  ObStore *self = OB_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_store_set_property (GObject      *object,
                       guint         prop_id,
                       const GValue *value,
                       GParamSpec   *pspec)
{
  ObStore *self = OB_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_free (self->path);
      self->path = g_value_dup_string (value);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_store_class_init (ObStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_store_finalize;
  object_class->get_property = ob_store_get_property;
  object_class->set_property = ob_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * ObStore::changed:
   * @kind: what changed, one of OB_STORE_KIND_* (also the signal detail)
   * @key: (nullable): the record's name or GUID, NULL when several changed
   *
   * Emitted after a change was committed.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
ob_store_init (ObStore *self)
{
  g_rec_mutex_init (&self->mutex);
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) sqlite3_finalize);
  self->tx_marks = g_array_new (FALSE, FALSE, sizeof (guint));
  self->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_change_free);
  self->committed = g_ptr_array_new_with_free_func ((GDestroyNotify) pending_change_free);
}

/**
 * ob_store_new_for_path:
 * @db_path: the database file; created, with its folder, when missing
 *
 * Opens the database and brings its schema up to date.
 *
 * Returns: (transfer full): the store, or NULL with OB_STORE_ERROR_TOO_NEW
 *   when a newer Outband wrote it, or OB_STORE_ERROR_DATABASE
 */
ObStore *
ob_store_new_for_path (const char  *db_path,
                       GError     **error)
{
  g_return_val_if_fail (db_path != NULL, NULL);

  return g_initable_new (OB_TYPE_STORE, NULL, error, "path", db_path, NULL);
}

/**
 * ob_store_new:
 *
 * Opens $XDG_DATA_HOME/outband/outband.db.
 *
 * Returns: (transfer full): the store, or NULL with an error
 */
ObStore *
ob_store_new (GError **error)
{
  g_autofree char *dir = ob_get_data_dir ();
  g_autofree char *path = g_build_filename (dir, "outband.db", NULL);

  return ob_store_new_for_path (path, error);
}
