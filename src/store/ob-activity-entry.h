/* ob-activity-entry.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  OB_ACTIVITY_RESULT_SUCCESS,
  OB_ACTIVITY_RESULT_FAILURE,
} ObActivityResult;

#define OB_TYPE_ACTIVITY_RESULT (ob_activity_result_get_type ())
GType       ob_activity_result_get_type    (void) G_GNUC_CONST;
const char *ob_activity_result_to_string   (ObActivityResult  result);
gboolean    ob_activity_result_from_string (const char       *text,
                                            ObActivityResult *result);

/* Common actors. */
#define OB_ACTIVITY_ACTOR_ADMIN "admin"
#define OB_ACTIVITY_ACTOR_RPS   "rps"
#define OB_ACTIVITY_ACTOR_MPS   "mps"

#define OB_TYPE_ACTIVITY_ENTRY (ob_activity_entry_get_type ())

G_DECLARE_FINAL_TYPE (ObActivityEntry, ob_activity_entry, OB, ACTIVITY_ENTRY, GObject)

/* One line of the activity log: who (actor) did what (action) to which
 * device and/or record (target), when (timestamp, µs since the Unix epoch,
 * UTC), with which result, and a human-readable detail.  id is assigned by
 * the store.  Never put a secret in detail. */

ObActivityEntry  *ob_activity_entry_new             (const char *actor,
                                                     const char *action);
gint64            ob_activity_entry_get_id          (ObActivityEntry *self);
void              ob_activity_entry_set_id          (ObActivityEntry *self,
                                                     gint64           id);
gint64            ob_activity_entry_get_timestamp   (ObActivityEntry *self);
void              ob_activity_entry_set_timestamp   (ObActivityEntry *self,
                                                     gint64           timestamp);
const char       *ob_activity_entry_get_actor       (ObActivityEntry *self);
void              ob_activity_entry_set_actor       (ObActivityEntry *self,
                                                     const char      *actor);
const char       *ob_activity_entry_get_action      (ObActivityEntry *self);
void              ob_activity_entry_set_action      (ObActivityEntry *self,
                                                     const char      *action);
const char       *ob_activity_entry_get_device_guid (ObActivityEntry *self);
void              ob_activity_entry_set_device_guid (ObActivityEntry *self,
                                                     const char      *device_guid);
const char       *ob_activity_entry_get_target      (ObActivityEntry *self);
void              ob_activity_entry_set_target      (ObActivityEntry *self,
                                                     const char      *target);
ObActivityResult  ob_activity_entry_get_result      (ObActivityEntry *self);
void              ob_activity_entry_set_result      (ObActivityEntry  *self,
                                                     ObActivityResult  result);
const char       *ob_activity_entry_get_detail      (ObActivityEntry *self);
void              ob_activity_entry_set_detail      (ObActivityEntry *self,
                                                     const char      *detail);

G_END_DECLS
