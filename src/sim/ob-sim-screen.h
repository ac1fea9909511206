/* ob-sim-screen.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* ObSimScreen: the local display of a simulated PC, as AMT's KVM captures
 * it.  A 32-bit framebuffer (0x00RRGGBB per pixel) drawn from a small
 * scene: a desktop (gradient, icons, a window, a taskbar with a clock), a
 * BIOS setup screen, boot text (PXE, media, erase), or nothing (host off);
 * over any of them the 6-digit user consent code while one is pending.
 * Keys typed are echoed into a text field, the pointer leaves a trail and
 * clicks are marked, so a test can see its input arrive.
 *
 * The scene is drawn again by ob_sim_screen_refresh() whenever its state
 * changed or the clock moved to another second; only the 64×64 tiles whose
 * pixels differ count as changed.  Each change bumps a serial number and
 * stamps the tiles it touched with it, so any number of viewers can each
 * ask "which tiles changed since serial N" (ob_sim_screen_tile_serial()).
 * "changed" is emitted after a refresh that changed pixels or the size. */

#define OB_TYPE_SIM_SCREEN (ob_sim_screen_get_type ())

G_DECLARE_FINAL_TYPE (ObSimScreen, ob_sim_screen, OB, SIM_SCREEN, GObject)

#define OB_SIM_SCREEN_DEFAULT_WIDTH  1024
#define OB_SIM_SCREEN_DEFAULT_HEIGHT 768
#define OB_SIM_SCREEN_TILE           64
/* Limits of ob_sim_screen_new()/_resize() (AMT 16 streams up to 8K). */
#define OB_SIM_SCREEN_MIN_SIZE       64
#define OB_SIM_SCREEN_MAX_WIDTH      8192
#define OB_SIM_SCREEN_MAX_HEIGHT     4320

typedef enum
{
  OB_SIM_SCREEN_SCENE_OFF,           /* host off or asleep: black, "No signal" */
  OB_SIM_SCREEN_SCENE_DESKTOP,       /* an operating system's desktop */
  OB_SIM_SCREEN_SCENE_BIOS_SETUP,    /* the firmware setup utility */
  OB_SIM_SCREEN_SCENE_PXE,           /* network boot text */
  OB_SIM_SCREEN_SCENE_BOOT_MEDIA,    /* booting from CD/DVD or IDER media */
  OB_SIM_SCREEN_SCENE_SECURE_ERASE,  /* remote secure erase in progress */
} ObSimScreenScene;

#define OB_TYPE_SIM_SCREEN_SCENE (ob_sim_screen_scene_get_type ())
GType ob_sim_screen_scene_get_type (void) G_GNUC_CONST;

/* @width × @height within the limits above (others are clamped). */
ObSimScreen      *ob_sim_screen_new              (guint             width,
                                                  guint             height);

guint             ob_sim_screen_get_width        (ObSimScreen      *self);
guint             ob_sim_screen_get_height       (ObSimScreen      *self);
/* The pixels as of the last refresh, row after row (stride = width). */
const guint32    *ob_sim_screen_get_pixels       (ObSimScreen      *self);
guint32           ob_sim_screen_get_pixel        (ObSimScreen      *self,
                                                  guint             x,
                                                  guint             y);
/* A new size (clamped as for _new()); every tile changes. */
void              ob_sim_screen_resize           (ObSimScreen      *self,
                                                  guint             width,
                                                  guint             height);

/* ---- Scene state (drawn at the next refresh) ------------------------- */

void              ob_sim_screen_set_scene        (ObSimScreen      *self,
                                                  ObSimScreenScene  scene);
ObSimScreenScene  ob_sim_screen_get_scene        (ObSimScreen      *self);
/* What the screens show about the machine (NULL keeps a value). */
void              ob_sim_screen_set_identity     (ObSimScreen      *self,
                                                  const char       *hostname,
                                                  const char       *guid,
                                                  const char       *amt_version);
/* The 6-digit consent code to show, or NULL for none. */
void              ob_sim_screen_set_consent_code (ObSimScreen      *self,
                                                  const char       *code);
/* Seconds since 1970 the clock shows; -1 (the default) follows the wall
 * clock in local time.  A fixed time makes the screen still (tests). */
void              ob_sim_screen_set_fixed_time   (ObSimScreen      *self,
                                                  gint64            unix_time);

/* ---- Input --------------------------------------------------------- */

/* An RFB KeyEvent: an X11 keysym pressed or released.  Printable Latin-1
 * keys go into the text field (on press), BackSpace deletes, Return ends
 * the line; modifiers are tracked and Ctrl+Alt+Delete is noted. */
void              ob_sim_screen_key              (ObSimScreen      *self,
                                                  guint32           keysym,
                                                  gboolean          down);
/* An RFB PointerEvent: button mask and position (clamped to the screen). */
void              ob_sim_screen_pointer          (ObSimScreen      *self,
                                                  guint8            buttons,
                                                  guint             x,
                                                  guint             y);
/* The text field's current line, and lines ended with Return (newest
 * last, at most 8 kept). */
const char       *ob_sim_screen_get_typed_text   (ObSimScreen      *self);
GStrv             ob_sim_screen_dup_typed_lines  (ObSimScreen      *self);
guint             ob_sim_screen_get_n_keys       (ObSimScreen      *self);
guint             ob_sim_screen_get_n_clicks     (ObSimScreen      *self);
gboolean          ob_sim_screen_get_ctrl_alt_del (ObSimScreen      *self);

/* ---- Frames and damage -------------------------------------------------- */

/* Draw the scene if anything changed since the last refresh (state, the
 * second on the clock).  Returns TRUE if pixels or the size changed. */
gboolean          ob_sim_screen_refresh          (ObSimScreen      *self);
/* Bumped by every refresh that changed something (starts at 1 with the
 * first drawing). */
guint64           ob_sim_screen_get_serial       (ObSimScreen      *self);
/* Bumped by every resize. */
guint             ob_sim_screen_get_size_serial  (ObSimScreen      *self);
/* Tiles: columns and rows of the OB_SIM_SCREEN_TILE grid (edge tiles are
 * smaller), and the serial of the last refresh that changed a tile. */
guint             ob_sim_screen_get_tiles_x      (ObSimScreen      *self);
guint             ob_sim_screen_get_tiles_y      (ObSimScreen      *self);
guint64           ob_sim_screen_tile_serial      (ObSimScreen      *self,
                                                  guint             tile_x,
                                                  guint             tile_y);
/* Microseconds until the clock shows another second (for a viewer that
 * waits for the next change). */
gint64            ob_sim_screen_get_next_tick_us (ObSimScreen      *self);

/* The current pixels as a PNG file (8-bit RGB, no alpha). */
GBytes           *ob_sim_screen_to_png           (ObSimScreen      *self);
gboolean          ob_sim_screen_save_png         (ObSimScreen      *self,
                                                  const char       *path,
                                                  GError          **error);

G_END_DECLS
