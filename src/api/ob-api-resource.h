/* ob-api-resource.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "ob-api-rps-private.h"

G_BEGIN_DECLS

/* One RPS admin resource (rps-rpc-activation.md §1.1–§1.5) described as a
 * table, so that the list, get, create, update and delete flows are
 * written once: paging, 404s, version conflicts (409/412), records in
 * use, keyring writes and their undoing.  Each resource file keeps only
 * its JSON mapping, its rules and its texts.
 *
 * Every record type is a GObject with "name", "tenant-id" and "version"
 * properties; the store functions are cast to the generic types below. */

typedef gpointer (*ObApiResourceGetFunc)    (ObStore      *store,
                                             const char   *name,
                                             GError      **error);
typedef gboolean (*ObApiResourceWriteFunc)  (ObStore      *store,
                                             gpointer      record,
                                             GError      **error);
typedef gboolean (*ObApiResourceDeleteFunc) (ObStore      *store,
                                             const char   *name,
                                             GError      **error);

typedef struct _ObApiResource ObApiResource;

struct _ObApiResource
{
  /* The path segment under admin/ ("profiles"). */
  const char               *path;
  /* The body member that names a record ("profileName"). */
  const char               *key_field;
  GType                   (*get_type) (void);

  ObRpsListFunc             list;
  ObApiResourceGetFunc      get;
  ObApiResourceWriteFunc    insert;
  ObApiResourceWriteFunc    update;
  ObApiResourceDeleteFunc   remove;

  /* The record as the reference answers it. */
  ObRpsToJsonFunc           to_json;
  /* The answer to a PATCH where it differs; NULL: to_json. */
  ObRpsToJsonFunc           patched_to_json;
  /* Every row of a list also carries "total_count". */
  gboolean                  count_in_rows;

  /* Answers.  In the messages "%s" stands for the record's name (it is
   * put in as text, never used as a printf format). */
  /* 404 "<not_found_type> profile <name> Not Found" */
  const char               *not_found_type;
  /* 400 {"error":"Unique key violation","message":…} */
  const char               *duplicate_message;
  /* 400 {"error":in_use_error,"message":in_use_message} when the store
   * refuses a DELETE; NULL: such a refusal is a 500 like any other. */
  const char               *in_use_error;
  const char               *in_use_message;
  /* The record's kind in log lines ("CIRA config"). */
  const char               *log_name;
  /* The keyring owner type of its secrets; NULL: it has none. */
  const char               *secret_owner;

  /* POST and PATCH.  A PATCH's version may come from If-Match. */
  gboolean                  version_from_if_match;
  /* Adds the failures of @body's rules to @validation; FALSE when it has
   * answered already (the store failed). */
  gboolean                (*validate)            (ObApiRequest    *request,
                                                  JsonObject      *body,
                                                  gboolean         patch,
                                                  ObApiValidation *validation);
  /* Copies @body into @record: a new one, or on PATCH the stored one. */
  void                    (*apply)               (gpointer         record,
                                                  JsonObject      *body,
                                                  gboolean         patch);
  /* Runs before the write; FALSE when it answered.  May be NULL. */
  gboolean                (*check)               (ObApiRequest    *request,
                                                  gpointer         record);
  /* Answers the store's refusals the resource words itself; FALSE
   * leaves @error to the common answers.  May be NULL. */
  gboolean                (*respond_write_error) (ObApiRequest    *request,
                                                  gpointer         record,
                                                  const GError    *error);
  /* Queues the keyring writes once the record is stored.  May be NULL. */
  void                    (*add_secrets)         (ObApiRequest    *request,
                                                  gpointer         record,
                                                  gboolean         created,
                                                  ObRpsSecrets    *secrets);

  /* DELETE: the message (with "%s") naming what still uses the record,
   * NULL when nothing does or on @error.  May be NULL: never in use. */
  const char *            (*find_user)           (ObStore         *store,
                                                  const char      *name,
                                                  GError         **error);

  /* Handlers in the place of the common POST and PATCH (a resource whose
   * rules need a worker thread); NULL: the common ones. */
  ObApiHandler              create_handler;
  ObApiHandler              update_handler;
};

/* Route handlers: the resource is the one the request's path names. */
void _ob_api_resource_list   (ObApiRequest *request);
void _ob_api_resource_get    (ObApiRequest *request);
void _ob_api_resource_create (ObApiRequest *request);
void _ob_api_resource_update (ObApiRequest *request);
void _ob_api_resource_delete (ObApiRequest *request);

/* For handlers of their own. */

/* 404 for the store's "not found", 500 for anything else. */
void _ob_api_resource_respond_lookup_error (ObApiRequest        *request,
                                            const ObApiResource *resource,
                                            const char          *name,
                                            const GError        *error);
/* Inserts (@created) or updates @record with the request's version, then
 * writes its secrets and answers 201 or 200 with the stored record.
 * @name is the name as sent, for the error messages.  The request's data
 * is replaced once the secrets are queued. */
void _ob_api_resource_save                 (ObApiRequest        *request,
                                            const ObApiResource *resource,
                                            gpointer             record,
                                            const char          *name,
                                            gboolean             created);

/* The resources, one in each ob-api-<path>.c. */
extern const ObApiResource _ob_api_profiles_resource;
extern const ObApiResource _ob_api_ciraconfigs_resource;
extern const ObApiResource _ob_api_domains_resource;
extern const ObApiResource _ob_api_wirelessconfigs_resource;
extern const ObApiResource _ob_api_ieee8021x_resource;

/* The resource @request's path names (ob-api-rps.c). */
const ObApiResource *_ob_api_rps_request_resource (ObApiRequest *request);

G_END_DECLS
