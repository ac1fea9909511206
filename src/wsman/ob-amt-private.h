/* ob-amt-private.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-amt-status.h"
#include "ob-wsman-client.h"

G_BEGIN_DECLS

/* Shared plumbing of the typed AMT calls (ob-amt-*.c); not installed API.
 *
 * Every typed call is a GTask whose source object is the ObWsmanClient and
 * whose task data holds the call's state.  A step sends one WS-Man request
 * and names the function that continues with the reply.  The step function
 * gets the task (borrowed; the helper keeps it alive for the duration of
 * the call) and either the parsed reply or the error (both borrowed). */

/* The reference's EPR address for references in method input. */
#define OB_AMT_EPR_ADDRESS "http://schemas.xmlsoap.org/ws/2004/08/addressing"

typedef void (*ObAmtReplyFunc) (GTask           *task,
                                ObWsmanResponse *response,
                                const GError    *error);

/* Items of a whole enumeration: JsonNode objects and their class names
 * (same length), both owned by the helper for the duration of the call. */
typedef void (*ObAmtItemsFunc) (GTask        *task,
                                GPtrArray    *items,
                                GPtrArray    *classes,
                                const GError *error);

void        _ob_amt_get         (GTask            *task,
                                 const char       *class_name,
                                 ObWsmanSelectors *selectors,
                                 ObAmtReplyFunc    next);
/* Put @instance (the class's JSON, as a Get returned it, modified). */
void        _ob_amt_put         (GTask            *task,
                                 const char       *class_name,
                                 ObWsmanSelectors *selectors,
                                 JsonObject       *instance,
                                 ObAmtReplyFunc    next);
void        _ob_amt_delete      (GTask            *task,
                                 const char       *class_name,
                                 ObWsmanSelectors *selectors,
                                 ObAmtReplyFunc    next);
/* A method with simple (text or EPR) arguments; @args NULL = none. */
void        _ob_amt_invoke      (GTask            *task,
                                 const char       *class_name,
                                 const char       *method,
                                 ObWsmanSelectors *args,
                                 ObAmtReplyFunc    next);
/* A method whose input element is built by the caller. */
void        _ob_amt_invoke_raw  (GTask            *task,
                                 const char       *class_name,
                                 const char       *method,
                                 const char       *input_fragment,
                                 ObAmtReplyFunc    next);
/* Enumerate + Pull until EndOfSequence. */
void        _ob_amt_enumerate   (GTask            *task,
                                 const char       *class_name,
                                 ObAmtItemsFunc    next);

/* Several independent requests at once (the client queues what exceeds its
 * in-flight limit); @done runs once, when all have answered, with one
 * result per fetch in the order given.  The results belong to the helper. */
typedef struct
{
  const char *class_name;
  gboolean    enumerate;
} ObAmtFetch;

typedef struct
{
  ObWsmanResponse *response;   /* a Get's reply */
  GPtrArray       *items;      /* an enumeration's JsonNode items */
  GPtrArray       *classes;    /* and their class names */
  GError          *error;
} ObAmtFetchResult;

typedef void (*ObAmtFetchedFunc) (GTask            *task,
                                  ObAmtFetchResult *results);

void        _ob_amt_fetch_all   (GTask            *task,
                                 const ObAmtFetch *fetches,
                                 guint             n_fetches,
                                 ObAmtFetchedFunc  done);

void        _ob_amt_return_error (GTask        *task,
                                  const GError *error);

/* JSON helpers tolerant of how the reply converter typed a value
 * (AMT sends text; the converter may have made numbers and booleans). */
gboolean    _ob_amt_json_get_int    (JsonObject  *object,
                                     const char  *member,
                                     gint64      *out_value);
gint64      _ob_amt_json_int        (JsonObject  *object,
                                     const char  *member,
                                     gint64       default_value);
gboolean    _ob_amt_json_bool       (JsonObject  *object,
                                     const char  *member,
                                     gboolean     default_value);
/* Text of a scalar member (string, number, boolean), or NULL. */
char       *_ob_amt_json_dup_string (JsonObject  *object,
                                     const char  *member);
/* A copy of @object whose top-level members can be replaced without
 * touching the original (the reply's JSON is shared and read-only). */
JsonObject *_ob_amt_json_object_dup (JsonObject  *object);
/* A node holding a copy of @object (or JSON null for NULL). */
JsonNode   *_ob_amt_json_node_from_object (JsonObject *object);
/* An integer node. */
JsonNode   *_ob_amt_json_int_node   (gint64       value);

/* {"Header":…,"Body":{…output…,"ReturnValueStr":…}} for a method reply:
 * the <method>_OUTPUT object with ReturnValueStr added from the AMT status
 * table.  FALSE + OB_WSMAN_ERROR_UNEXPECTED_RESPONSE when there is no
 * ReturnValue. */
JsonNode   *_ob_amt_method_result   (ObWsmanResponse *response,
                                     const char      *method,
                                     guint           *out_return_value,
                                     GError         **error);

G_END_DECLS
