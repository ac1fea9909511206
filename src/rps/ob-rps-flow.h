/* ob-rps-flow.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "ob-cert-authority.h"
#include "ob-rpc-message.h"
#include "ob-rps-step.h"
#include "ob-rps-wsman.h"
#include "ob-secret-store.h"
#include "ob-store.h"

G_BEGIN_DECLS

/* What every flow works with, shared by the sessions of one server.
 * Refcounted; fields are set before the first flow runs. */
typedef struct
{
  ObStore         *store;
  ObSecretStore   *secrets;
  ObCertAuthority *cert_authority;  /* may be NULL: CIRA then fails */
  /* The reference waits delay_timer (12 s) after Setup/AdminSetup for AMT
   * to settle, and 5 s after TLS/commit changes; tests use 0. */
  guint            settle_delay_ms;
  guint            commit_delay_ms;
  /* disable_cira_domain_name: the environment detection string; NULL =
   * "<random uuid>.com" per device. */
  char            *cira_domain_name;
} ObRpsContext;

#define OB_TYPE_RPS_CONTEXT (ob_rps_context_get_type ())
GType         ob_rps_context_get_type (void) G_GNUC_CONST;
ObRpsContext *ob_rps_context_new      (ObStore         *store,
                                       ObSecretStore   *secrets,
                                       ObCertAuthority *cert_authority);
ObRpsContext *ob_rps_context_ref      (ObRpsContext    *context);
void          ob_rps_context_unref    (ObRpsContext    *context);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ObRpsContext, ob_rps_context_unref)

/* Whole-flow limit unless set (the reference has none; ours keeps a
 * stalled rpc-go from holding a flow forever). */
#define OB_RPS_FLOW_DEFAULT_TIMEOUT_MS (10 * 60 * 1000)

#define OB_TYPE_RPS_FLOW (ob_rps_flow_get_type ())

G_DECLARE_DERIVABLE_TYPE (ObRpsFlow, ob_rps_flow, OB, RPS_FLOW, GObject)

/* ObRpsFlow: the base of the provisioning state machines.  It owns the
 * step list (a GListModel of ObRpsStep, appended as steps start; the
 * "step" signal fires when one ends), the result object rpc-go gets
 * ({"Status":…,"Network":…,"CIRAConnection":…,"TLSConfiguration":…}), a
 * whole-flow timeout, cancellation, and an activity-log entry when the
 * flow ends.  A failure's message names the step: "<step>: <reason>". */
struct _ObRpsFlowClass
{
  GObjectClass parent_class;

  /* The activity log's action ("activate", "configure", …). */
  const char *action_name;
  /* Begin the state machine; called once by run_async. */
  void (*start) (ObRpsFlow *self);
};

ObRpsWsman            *ob_rps_flow_get_wsman        (ObRpsFlow            *self);
const ObRpcClientInfo *ob_rps_flow_get_info         (ObRpsFlow            *self);
ObRpsContext          *ob_rps_flow_get_context      (ObRpsFlow            *self);
/* GListModel of ObRpsStep. */
GListModel            *ob_rps_flow_get_steps        (ObRpsFlow            *self);
/* The step running now (or the last one), NULL before the first. */
ObRpsStep             *ob_rps_flow_get_current_step (ObRpsFlow            *self);
/* The result object; a configuration flow that follows an activation
 * shares the activation's (ob_rps_flow_share_status). */
JsonObject            *ob_rps_flow_get_status       (ObRpsFlow            *self);
void                   ob_rps_flow_share_status     (ObRpsFlow            *self,
                                                     JsonObject           *status);
void                   ob_rps_flow_set_status       (ObRpsFlow            *self,
                                                     const char           *key,
                                                     const char           *value);
char                  *ob_rps_flow_dup_status_json  (ObRpsFlow            *self);
void                   ob_rps_flow_set_timeout      (ObRpsFlow            *self,
                                                     guint                 timeout_ms);
GCancellable          *ob_rps_flow_get_cancellable  (ObRpsFlow            *self);
gboolean               ob_rps_flow_get_finished     (ObRpsFlow            *self);

void                   ob_rps_flow_run_async        (ObRpsFlow            *self,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean               ob_rps_flow_run_finish       (ObRpsFlow            *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

/* ---- For the flows themselves ------------------------------------------ */

/* Start a step; a step still running is ended as done first. */
ObRpsStep             *ob_rps_flow_begin_step       (ObRpsFlow            *self,
                                                     const char           *format,
                                                     ...) G_GNUC_PRINTF (2, 3);
/* End the running step as done / ignored (the flow goes on). */
void                   ob_rps_flow_end_step         (ObRpsFlow            *self,
                                                     const char           *detail);
void                   ob_rps_flow_ignore_step      (ObRpsFlow            *self,
                                                     const GError         *error);
/* End the flow: the running step failed with @error (taken). */
void                   ob_rps_flow_fail             (ObRpsFlow            *self,
                                                     GError               *error);
void                   ob_rps_flow_fail_text        (ObRpsFlow            *self,
                                                     const char           *format,
                                                     ...) G_GNUC_PRINTF (2, 3);
/* End the flow successfully. */
void                   ob_rps_flow_succeed          (ObRpsFlow            *self);

/* One WS-Man call as one step named "<verb> <class>[.<method>]".  On
 * success the reply runs with the step still open (it may fail the flow,
 * or start the next step; otherwise the step ends as done).  On error: a
 * FATAL call fails the flow and the reply does not run; a TOLERANT call
 * ends the step as ignored and the reply runs with @error set. */
typedef enum
{
  OB_RPS_CALL_FATAL,
  OB_RPS_CALL_TOLERANT,
} ObRpsCallMode;

typedef void (*ObRpsFlowReply) (ObRpsFlow       *self,
                                ObWsmanResponse *response,
                                const GError    *error);
typedef void (*ObRpsFlowItemsReply) (ObRpsFlow    *self,
                                     GPtrArray    *items,
                                     const GError *error);
typedef void (*ObRpsFlowNext) (ObRpsFlow *self);

void ob_rps_flow_get        (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             ObWsmanSelectors *selectors,
                             ObRpsFlowReply    reply);
/* Put @instance (the class's JSON, ob_wsman_body_from_json's rules). */
void ob_rps_flow_put        (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             ObWsmanSelectors *selectors,
                             JsonObject       *instance,
                             ObRpsFlowReply    reply);
/* Create an instance (@instance as for put). */
void ob_rps_flow_create     (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             JsonObject       *instance,
                             ObRpsFlowReply    reply);
void ob_rps_flow_delete     (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             ObWsmanSelectors *selectors,
                             ObRpsFlowReply    reply);
void ob_rps_flow_invoke     (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             const char       *method,
                             ObWsmanSelectors *selectors,
                             ObWsmanSelectors *args,
                             ObRpsFlowReply    reply);
/* Like invoke, with a prepared <h:METHOD_INPUT> fragment. */
void ob_rps_flow_invoke_xml (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             const char       *method,
                             const char       *input_fragment,
                             ObRpsFlowReply    reply);
void ob_rps_flow_enumerate  (ObRpsFlow        *self,
                             ObRpsCallMode     mode,
                             const char       *class_name,
                             ObRpsFlowItemsReply reply);
/* A step "Wait N ms for AMT" (skipped when 0), then @next. */
void ob_rps_flow_wait       (ObRpsFlow        *self,
                             guint             milliseconds,
                             const char       *why,
                             ObRpsFlowNext     next);

/* Blocking work (the keyring, the store, opening a PKCS#12) in a worker
 * thread, so a busy server's main loop never waits on it; @done then runs
 * on the flow's main context (not at all if the flow ended meanwhile).
 * @work must not touch the step list or the status: report through its
 * error and let @done do that. */
typedef gboolean (*ObRpsFlowWork)     (ObRpsFlow     *self,
                                       GError       **error);
typedef void     (*ObRpsFlowWorkDone) (ObRpsFlow     *self,
                                       const GError  *error);

void ob_rps_flow_work       (ObRpsFlow         *self,
                             ObRpsFlowWork      work,
                             ObRpsFlowWorkDone  done);

/* Helpers for replies. */
/* ReturnValue of METHOD_OUTPUT, or -1 (with the step failed) when absent. */
gint64       ob_rps_flow_return_value  (ObWsmanResponse *response,
                                        const char      *method);
/* A member of an instance as text ("" when absent), as integer, bool. */
const char  *ob_rps_json_string        (JsonObject      *object,
                                        const char      *member);
gint64       ob_rps_json_int           (JsonObject      *object,
                                        const char      *member,
                                        gint64           fallback);
gboolean     ob_rps_json_bool          (JsonObject      *object,
                                        const char      *member,
                                        gboolean         fallback);
/* MD5 hex of "admin:<realm>:<password>" (what Setup/AdminSetup take). */
char        *ob_rps_admin_password_hash_hex    (const char *realm,
                                                const char *password);
/* base64 of the raw 16 bytes of that MD5 (SetAdminAclEntryEx). */
char        *ob_rps_admin_password_hash_base64 (const char *realm,
                                                const char *password);
/* The checks deactivation and maintenance share (§2.7): a pre-provisioned
 * device ("Device <uuid> is in pre-provisioning mode."), and unless
 * @info->force the payload's password must be the one in the keyring
 * ("AMT password DOES NOT match stored version for Device <uuid>"). */
gboolean     ob_rps_check_activated_device     (ObRpsContext           *context,
                                                const ObRpcClientInfo  *info,
                                                GError                **error);
/* Whether @realm is "Digest:" + 32 hex digits. */
gboolean     ob_rps_digest_realm_is_valid      (const char *realm);

G_END_DECLS
