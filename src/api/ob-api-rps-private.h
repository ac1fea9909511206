/* ob-api-rps-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-api-private.h"

G_BEGIN_DECLS

/* The RPS admin API (rps-rpc-activation.md §1): what ob-api-rps.c shares
 * with ob-api-resource.c and the per-resource files (ob-api-profiles.c,
 * ob-api-ciraconfigs.c, ob-api-domains.c, ob-api-wirelessconfigs.c,
 * ob-api-ieee8021x.c). */

/* Finds the RPS route for @msg's path under /api/v1/admin/ or
 * /rps/api/v1/admin/.  Returns NULL when the path is not an RPS one; sets
 * *@out_param for routes with a name. */
ObApiHandler _ob_api_rps_match_route (const char         *method,
                                      SoupServerMessage  *msg,
                                      char              **out_param);

/* ------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------ */

/* JSON with Express's weak ETag; a GET whose If-None-Match matches gets
 * 304 with no body. */
void _ob_api_rps_respond              (ObApiRequest *request,
                                       guint         status,
                                       JsonNode     *body);
/* {"error":@error,"message":@message} */
void _ob_api_rps_respond_error        (ObApiRequest *request,
                                       guint         status,
                                       const char   *error,
                                       const char   *message);
/* 404 {"error":"Not Found","message":"<type> profile <name> Not Found"} */
void _ob_api_rps_respond_not_found    (ObApiRequest *request,
                                       const char   *type,
                                       const char   *name);
/* 500 {"message":"Operation failed: <METHOD> <name>"}; @error is logged. */
void _ob_api_rps_respond_failed       (ObApiRequest *request,
                                       const char   *name,
                                       const GError *error);
/* 409, or 412 when the request had If-Match: the current record with
 * "ETag: <current version>". */
void _ob_api_rps_respond_conflict     (ObApiRequest *request,
                                       JsonNode     *current,
                                       gint64        version);

/* ------------------------------------------------------------------------
 * Lists: $top, $skip, $count as the reference validates them
 * ------------------------------------------------------------------------ */

typedef GPtrArray *(*ObRpsListFunc)   (ObStore             *store,
                                       const ObStoreQuery  *query,
                                       guint               *total_count,
                                       GError             **error);
typedef JsonNode  *(*ObRpsToJsonFunc) (gpointer             record);

/* @count_in_rows: also put "total_count" in every row (the reference's
 * wireless list does). */
void _ob_api_rps_list (ObApiRequest    *request,
                       ObRpsListFunc    list,
                       ObRpsToJsonFunc  to_json,
                       gboolean         count_in_rows);

/* ------------------------------------------------------------------------
 * express-validator's view of a body field
 * ------------------------------------------------------------------------ */

/* The member, NULL when absent (or when @body is NULL). */
JsonNode *_ob_rps_field           (JsonObject  *body,
                                   const char  *name);
gboolean  _ob_rps_is_null         (JsonNode    *node);
/* undefined, null and "" (and an empty array) are empty. */
gboolean  _ob_rps_is_empty        (JsonNode    *node);
/* A scalar's string form (null: ""); NULL for objects, arrays and absent. */
char     *_ob_rps_text            (JsonNode    *node);
/* validator.js isBoolean: true, false, "true", "false", "1", "0". */
gboolean  _ob_rps_boolean         (JsonNode    *node,
                                   gboolean    *out);
/* validator.js isInt with bounds, on the string form. */
gboolean  _ob_rps_int             (JsonNode    *node,
                                   gint64       min,
                                   gint64       max,
                                   gint64      *out);
/* A JSON number that is a whole number. */
gboolean  _ob_rps_json_int        (JsonNode    *node,
                                   gint64      *out);
/* @value NULL leaves "value" out: always so for secrets, which are never
 * echoed (the reference would echo them). */
void      _ob_rps_error           (ObApiValidation *validation,
                                   JsonNode        *value,
                                   const char      *msg,
                                   const char      *path);

/* Sets @name to @value, or to null when @value is NULL. */
void      _ob_rps_set_string      (JsonObject  *object,
                                   const char  *name,
                                   const char  *value);
/* The text of a scalar field that passed validation, NULL when absent or
 * null.  (transfer full) */
char     *_ob_rps_dup_text        (JsonObject  *body,
                                   const char  *name);

/* The reference's character classes (§1.9). */
gboolean  _ob_rps_is_profile_name (const char  *text);
gboolean  _ob_rps_is_cira_name    (const char  *text);
gboolean  _ob_rps_is_alnum        (const char  *text);
gboolean  _ob_rps_is_strong_password (const char *text);
gboolean  _ob_rps_is_ipv4         (const char  *text);
gboolean  _ob_rps_is_ipv6         (const char  *text);
gboolean  _ob_rps_is_fqdn         (const char  *text);

/* The version of a PATCH: If-Match wins over the body's "version" (when
 * @use_if_match); FALSE when there is none or it is not a number. */
gboolean  _ob_rps_request_version (ObApiRequest *request,
                                   gboolean      use_if_match,
                                   gint64       *out);
gboolean  _ob_rps_has_if_match    (ObApiRequest *request);
char     *_ob_rps_version_string  (gint64        version);

/* ------------------------------------------------------------------------
 * Secrets: written and removed in a worker thread, never logged
 * ------------------------------------------------------------------------ */

typedef struct _ObRpsSecrets ObRpsSecrets;

ObRpsSecrets *_ob_rps_secrets_new    (ObApiRequest  *request);
void          _ob_rps_secrets_free   (ObRpsSecrets  *self);
/* Stores @text (copied, wiped when done). */
void          _ob_rps_secrets_set    (ObRpsSecrets  *self,
                                      const char    *owner_type,
                                      const char    *owner_id,
                                      const char    *kind,
                                      const char    *text);
void          _ob_rps_secrets_set_bytes (ObRpsSecrets *self,
                                         const char   *owner_type,
                                         const char   *owner_id,
                                         const char   *kind,
                                         GBytes       *value);
/* @kind NULL: every secret of the owner. */
void          _ob_rps_secrets_clear  (ObRpsSecrets  *self,
                                      const char    *owner_type,
                                      const char    *owner_id,
                                      const char    *kind);
gboolean      _ob_rps_secrets_is_empty (ObRpsSecrets *self);
/* Runs the operations in order, stopping at the first failure.  @callback
 * gets @user_data. */
void          _ob_rps_secrets_run    (ObRpsSecrets        *self,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean      _ob_rps_secrets_finish (GAsyncResult        *result,
                                      GError             **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpsSecrets, _ob_rps_secrets_free)

G_END_DECLS
