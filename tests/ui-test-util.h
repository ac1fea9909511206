/* ui-test-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gtk/gtk.h>

#include "cira-test-util.h"
#include "int-test-util.h"
#include "ob-device.h"
#include "ob-sim-cira.h"
#include "ob-sim-cira-pool.h"
#include "ob-sim-fleet.h"

G_BEGIN_DECLS

/* Helpers every UI test shares (linked into each test of the "ui" suite):
 * running the main context until something holds, waiting for frames,
 * finding widgets in a tree, saving screenshots, dialogs, and simulated
 * devices for the remote console windows. */

/* How long wait_for() waits before failing the test: long enough for the
 * first start's RSA keys on a busy two-core machine. */
#define UI_TEST_WAIT_TIMEOUT_SECONDS 60

typedef gboolean (*Condition) (gpointer data);

typedef gboolean (*WidgetPredicate) (GtkWidget     *widget,
                                     gconstpointer  data);

/* Runs the default main context until @condition holds; fails the test
 * (naming @what) after UI_TEST_WAIT_TIMEOUT_SECONDS. */
void       wait_for            (Condition        condition,
                                gpointer         data,
                                const char      *what);

/* Conditions on a GtkWidget. */
gboolean   widget_is_mapped    (gpointer         data);
gboolean   widget_is_unmapped  (gpointer         data);

/* A tick callback that counts frames in the guint at @user_data. */
gboolean   count_frame         (GtkWidget       *widget,
                                GdkFrameClock   *frame_clock,
                                gpointer         user_data);
/* Lets layout and drawing settle: a few frames of @widget's clock. */
void       wait_frames         (GtkWidget       *widget);

/* Depth first, @root included; NULL when nothing matches. */
GtkWidget *find_descendant     (GtkWidget       *root,
                                WidgetPredicate  predicate,
                                gconstpointer    data);
/* @data: a GType (GSIZE_TO_POINTER). */
gboolean   is_type             (GtkWidget       *widget,
                                gconstpointer    data);
GtkWidget *find_by_type        (GtkWidget       *root,
                                GType            type);
/* An AdwPreferencesRow with the title @data. */
gboolean   is_row_titled       (GtkWidget       *widget,
                                gconstpointer    data);
/* A GtkLabel whose label is @data. */
gboolean   is_label_with_text  (GtkWidget       *widget,
                                gconstpointer    data);
/* A GtkLabel whose label contains @data. */
gboolean   is_label_containing (GtkWidget       *widget,
                                gconstpointer    data);

/* Renders @widget (after it settled) with its window's renderer into a
 * PNG named @name in the test's build directory, reads the file back and
 * checks that it is the picture and has real content (not blank). */
void       save_screenshot     (GtkWidget       *widget,
                                const char      *name);

/* A gboolean at @data is TRUE. */
gboolean   flag_set            (gpointer         data);

/* A GtkButton whose label is @data. */
gboolean   is_button_labelled  (GtkWidget       *widget,
                                gconstpointer    data);

/* The AdwMessageDialog shown now, if any. */
GtkWindow *find_message_dialog (void);
/* Condition: an AdwMessageDialog is mapped. */
gboolean   has_message_dialog  (gpointer         data);
/* Waits for the message dialog @parent put up, answers @response and
 * closes it. */
void       answer_message_dialog (GtkWindow     *parent,
                                  const char    *response);

/* The remote console windows' user consent dialog: types @code and
 * presses Confirm; whether it shows an error containing @text with the
 * entry ready for another try; presses Cancel. */
void       consent_dialog_enter_code  (GtkWindow  *dialog,
                                       const char *code);
gboolean   consent_dialog_shows_error (GtkWindow  *dialog,
                                       const char *text);
void       consent_dialog_cancel      (GtkWindow  *dialog);

/* Activates @action on @widget, which opens a "Save As" file chooser,
 * and saves under the proposed name in the folder @dir; returns the path
 * chosen. */
char      *save_with_chooser   (GtkWidget       *widget,
                                const char      *action,
                                const char      *dir);

/* For a test of the remote console windows: the in-memory secret store,
 * gtk_test_init, libadwaita, no animations and the application's
 * style.css (so screenshots look as the application does). */
void       ui_test_init        (int             *argc,
                                char          ***argv);

/* One simulated device in this process (WS-Man and redirection on free
 * loopback ports, user consent off) and the ObDevice that reaches it over
 * LAN, through a transport that maps AMT's redirection port 16994 to the
 * simulator's. */
typedef struct
{
  ObSimFleet       *fleet;
  ObSimDevice      *sim;
  ObSimRedirServer *redir;
  ObDevice         *device;
} UiTestLanDevice;

/* Returns after the device's first refresh. */
void       ui_test_lan_device_init  (UiTestLanDevice *lan,
                                     const char      *hostname,
                                     const char      *password);
void       ui_test_lan_device_clear (UiTestLanDevice *lan);

/* A simulated device that calls in over CIRA to an MPS in this process
 * (its own CA, store and registry), with its redirection server behind the
 * APF channels; @device is the registry's.  int-test-util's fixture. */
typedef IntCiraDevice UiTestCiraDevice;

/* Returns once the device has called in, forwarded the redirection and
 * KVM ports and been refreshed (with KVM and SOL on). */
void       ui_test_cira_device_init  (UiTestCiraDevice *cira,
                                      const char       *guid,
                                      const char       *hostname,
                                      const char       *password);
void       ui_test_cira_device_clear (UiTestCiraDevice *cira);

G_END_DECLS
