/* ob-sim-screen.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "ob-sim-font.h"
#include "ob-sim-screen.h"

#define MAX_TYPED_CHARS  60
#define MAX_TYPED_LINES  8
#define TRAIL_LENGTH     48
#define MAX_CLICK_MARKS  8

/* Colours (0x00RRGGBB). */
#define BLACK            0x000000
#define WHITE            0xFFFFFF
#define VGA_GREY         0xAAAAAA
#define VGA_BLUE         0x0000AA
#define VGA_CYAN         0x00AAAA
#define VGA_YELLOW       0xFFFF55
#define DESK_TOP         0x16324F
#define DESK_BOTTOM      0x3F7FA6
#define TASKBAR          0x1E1F22
#define TASKBAR_EDGE     0x3A3C40
#define WINDOW_BODY      0xF6F5F4
#define WINDOW_TITLE     0x2F3033
#define TEXT_DARK        0x2E3436
#define TEXT_DIM         0x6A6F73
#define ACCENT           0x3584E4
#define TRAIL            0xFF9F1C
#define CLICK            0xE01B24
#define CONSENT_BG       0x141414
#define CONSENT_CODE     0xFFCC00

struct _ObSimScreen
{
  GObject           parent_instance;

  guint             width;
  guint             height;
  guint32          *front;        /* what viewers get */
  guint32          *back;         /* drawing target */
  guint             tiles_x;
  guint             tiles_y;
  guint64          *tile_serials;
  guint64           serial;
  guint             size_serial;
  gboolean          drawn;        /* front holds a drawing */
  gboolean          dirty;        /* state changed since the last drawing */
  gint64            drawn_second;
  gint64            fixed_time;

  ObSimScreenScene  scene;
  gint64            scene_since;  /* second the scene started (progress bars) */
  char             *hostname;
  char             *guid;
  char             *amt_version;
  char             *consent_code;

  GString          *typed;
  GPtrArray        *lines;
  guint             n_keys;
  guint32           last_keysym;
  gboolean          shift;
  gboolean          ctrl;
  gboolean          alt;
  gboolean          ctrl_alt_del;

  guint             pointer_x;
  guint             pointer_y;
  guint8            buttons;
  gboolean          pointer_seen;
  guint             trail_x[TRAIL_LENGTH];
  guint             trail_y[TRAIL_LENGTH];
  guint             trail_len;
  guint             trail_head;   /* index of the newest point */
  guint             click_x[MAX_CLICK_MARKS];
  guint             click_y[MAX_CLICK_MARKS];
  guint             n_clicks;
  guint             n_scrolls;
};

G_DEFINE_FINAL_TYPE (ObSimScreen, ob_sim_screen, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (ObSimScreenScene, ob_sim_screen_scene,
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_OFF, "off"),
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_DESKTOP, "desktop"),
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_BIOS_SETUP, "bios-setup"),
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_PXE, "pxe"),
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_BOOT_MEDIA, "boot-media"),
  G_DEFINE_ENUM_VALUE (OB_SIM_SCREEN_SCENE_SECURE_ERASE, "secure-erase"))

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* An arrow pointer of our own: 'X' outline, '#' fill. */
static const char *const arrow[] = {
  "X..........",
  "XX.........",
  "X#X........",
  "X##X.......",
  "X###X......",
  "X####X.....",
  "X#####X....",
  "X######X...",
  "X#######X..",
  "X########X.",
  "X#####XXXXX",
  "X##X##X....",
  "X#X.X##X...",
  "XX..X##X...",
  "X....X##X..",
  ".....X##X..",
  "......XX...",
};

/* ---- Drawing primitives (clipped to the screen) ------------------------ */

static void
fill (ObSimScreen *self,
      int          x,
      int          y,
      int          w,
      int          h,
      guint32      colour)
{
  int x0 = MAX (x, 0), y0 = MAX (y, 0);
  int x1 = MIN (x + w, (int) self->width), y1 = MIN (y + h, (int) self->height);

  for (int row = y0; row < y1; row++)
    {
      guint32 *p = self->back + (gsize) row * self->width;

      for (int col = x0; col < x1; col++)
        p[col] = colour;
    }
}

static void
frame (ObSimScreen *self,
       int          x,
       int          y,
       int          w,
       int          h,
       int          thickness,
       guint32      colour)
{
  fill (self, x, y, w, thickness, colour);
  fill (self, x, y + h - thickness, w, thickness, colour);
  fill (self, x, y, thickness, h, colour);
  fill (self, x + w - thickness, y, thickness, h, colour);
}

static void
put_pixel (ObSimScreen *self,
           int          x,
           int          y,
           guint32      colour)
{
  if (x >= 0 && y >= 0 && x < (int) self->width && y < (int) self->height)
    self->back[(gsize) y * self->width + x] = colour;
}

static guint32
mix (guint32 a,
     guint32 b,
     guint   num,
     guint   den)
{
  guint32 out = 0;

  for (guint shift = 0; shift <= 16; shift += 8)
    {
      guint ca = (a >> shift) & 0xFF, cb = (b >> shift) & 0xFF;

      out |= (guint32) ((ca * (den - num) + cb * num) / den) << shift;
    }
  return out;
}

static void
gradient (ObSimScreen *self,
          int          x,
          int          y,
          int          w,
          int          h,
          guint32      top,
          guint32      bottom)
{
  for (int row = 0; row < h; row++)
    fill (self, x, y + row, w, 1, mix (top, bottom, (guint) row, (guint) MAX (h - 1, 1)));
}

static void
disc (ObSimScreen *self,
      int          cx,
      int          cy,
      int          radius,
      guint32      colour)
{
  for (int dy = -radius; dy <= radius; dy++)
    for (int dx = -radius; dx <= radius; dx++)
      if (dx * dx + dy * dy <= radius * radius)
        put_pixel (self, cx + dx, cy + dy, colour);
}

/* Text in 8×16 cells; @bg G_MAXUINT32 = transparent.  Returns the x after
 * the text. */
static int
text_bg (ObSimScreen *self,
         int          x,
         int          y,
         const char  *str,
         guint32      fg,
         guint32      bg)
{
  for (const char *p = str; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      const guint8 *cell;

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      cell = ob_sim_font_cell (c);
      if (bg != G_MAXUINT32)
        fill (self, x, y, OB_SIM_FONT_WIDTH, OB_SIM_FONT_HEIGHT, bg);
      for (int row = 0; row < OB_SIM_FONT_HEIGHT; row++)
        for (int col = 0; col < OB_SIM_FONT_WIDTH; col++)
          if (cell[row] & (0x80 >> col))
            put_pixel (self, x + col, y + row, fg);
      x += OB_SIM_FONT_WIDTH;
    }
  return x;
}

static int
text (ObSimScreen *self,
      int          x,
      int          y,
      const char  *str,
      guint32      fg)
{
  return text_bg (self, x, y, str, fg, G_MAXUINT32);
}

static int
text_width (const char *str)
{
  return (int) g_utf8_strlen (str, -1) * OB_SIM_FONT_WIDTH;
}

/* Big text from the 5×8 designs, each design pixel a @scale square. */
static void
text_big (ObSimScreen *self,
          int          x,
          int          y,
          const char  *str,
          int          scale,
          guint32      fg)
{
  for (const char *p = str; *p != '\0'; p++)
    {
      const guint8 *design = ob_sim_font_design ((guchar) *p);

      for (int row = 0; row < 8; row++)
        for (int col = 0; col < 5; col++)
          if (design[row] & (0x10 >> col))
            fill (self, x + col * scale, y + row * scale, scale, scale, fg);
      x += 6 * scale;
    }
}

/* Text-mode helpers: column/row positions on the 8×16 grid. */
static void
cell_text (ObSimScreen *self,
           int          col,
           int          row,
           const char  *str,
           guint32      fg,
           guint32      bg)
{
  text_bg (self, col * OB_SIM_FONT_WIDTH, row * OB_SIM_FONT_HEIGHT, str, fg, bg);
}

static void
draw_arrow (ObSimScreen *self,
            int          x,
            int          y)
{
  for (guint row = 0; row < G_N_ELEMENTS (arrow); row++)
    for (int col = 0; arrow[row][col] != '\0'; col++)
      {
        if (arrow[row][col] == 'X')
          put_pixel (self, x + col, y + (int) row, BLACK);
        else if (arrow[row][col] == '#')
          put_pixel (self, x + col, y + (int) row, WHITE);
      }
}

/* ---- Time -------------------------------------------------------------- */

static gint64
now_us (ObSimScreen *self)
{
  if (self->fixed_time >= 0)
    return self->fixed_time * G_USEC_PER_SEC;
  return g_get_real_time ();
}

static GDateTime *
now_local (ObSimScreen *self)
{
  return g_date_time_new_from_unix_local (now_us (self) / G_USEC_PER_SEC);
}

static gboolean
scene_ticks (ObSimScreen *self)
{
  return self->scene != OB_SIM_SCREEN_SCENE_OFF || self->consent_code != NULL;
}

/* ---- Scenes --------------------------------------------------------------- */

static const char *
identity_or (const char *value,
             const char *fallback)
{
  return value != NULL ? value : fallback;
}

static void
draw_trail (ObSimScreen *self)
{
  for (guint i = 0; i < MIN (self->n_clicks, MAX_CLICK_MARKS); i++)
    {
      int cx = (int) self->click_x[i], cy = (int) self->click_y[i];

      frame (self, cx - 6, cy - 6, 13, 13, 2, CLICK);
    }
  /* Oldest first, so the newest dots lie on top. */
  for (guint i = self->trail_len; i > 0; i--)
    {
      guint index = (self->trail_head + TRAIL_LENGTH - (i - 1)) % TRAIL_LENGTH;
      guint32 colour = mix (TRAIL, WHITE, i - 1, TRAIL_LENGTH);

      fill (self, (int) self->trail_x[index] - 1, (int) self->trail_y[index] - 1, 3, 3, colour);
    }
}

static void
draw_icon (ObSimScreen *self,
           int          x,
           int          y,
           int          kind,
           const char  *label)
{
  switch (kind)
    {
    case 0: /* a folder */
      fill (self, x + 4, y + 6, 18, 6, 0xE5A50A);
      fill (self, x + 4, y + 10, 40, 28, 0xF6D32D);
      fill (self, x + 4, y + 34, 40, 4, 0xC88800);
      break;
    case 1: /* a wastebasket */
      fill (self, x + 8, y + 6, 32, 5, 0xDEDDDA);
      fill (self, x + 11, y + 12, 26, 26, 0xC0BFBC);
      for (int i = 0; i < 3; i++)
        fill (self, x + 16 + i * 7, y + 15, 2, 20, 0x9A9996);
      break;
    default: /* a terminal */
      fill (self, x + 4, y + 6, 40, 32, 0x241F31);
      frame (self, x + 4, y + 6, 40, 32, 2, 0x77767B);
      text (self, x + 9, y + 13, ">_", 0x57E389);
      break;
    }
  text (self, x + 24 - text_width (label) / 2, y + 44, label, WHITE);
}

static void
draw_desktop (ObSimScreen *self,
              GDateTime   *now)
{
  int w = (int) self->width, h = (int) self->height;
  int bar = 36;
  int wx = w * 18 / 100, wy = h * 12 / 100, ww = w * 62 / 100, wh = h * 64 / 100;
  int line = wy + 28 + 16;
  int lx = wx + 20;
  g_autofree char *title = NULL;
  g_autofree char *clock = g_date_time_format (now, "%a %d %b  %H:%M:%S");
  g_autofree char *info = NULL;
  int fx, fy, fw;

  gradient (self, 0, 0, w, h - bar, DESK_TOP, DESK_BOTTOM);
  /* A soft "sun" in the wallpaper so the picture is not only bands. */
  disc (self, w * 80 / 100, h * 26 / 100, MAX (h / 9, 8), mix (DESK_BOTTOM, WHITE, 1, 4));
  disc (self, w * 80 / 100, h * 26 / 100, MAX (h / 12, 6), mix (DESK_BOTTOM, WHITE, 2, 5));

  draw_icon (self, 20, 20, 0, "Home");
  draw_icon (self, 20, 100, 2, "Terminal");
  draw_icon (self, 20, 180, 1, "Trash");

  /* The window. */
  title = g_strdup_printf ("Outband Simulator - %s", identity_or (self->hostname, "sim"));
  fill (self, wx + 4, wy + 4, ww, wh, mix (DESK_BOTTOM, BLACK, 1, 3));  /* shadow */
  fill (self, wx, wy, ww, wh, WINDOW_BODY);
  fill (self, wx, wy, ww, 28, WINDOW_TITLE);
  text (self, wx + ww / 2 - text_width (title) / 2, wy + 6, title, WHITE);
  disc (self, wx + ww - 16, wy + 14, 6, 0xE66100);
  disc (self, wx + ww - 34, wy + 14, 6, 0x77767B);
  disc (self, wx + ww - 52, wy + 14, 6, 0x77767B);
  frame (self, wx, wy, ww, wh, 1, 0x1A1A1A);

  text (self, lx, line, "Simulated Intel(R) AMT device", TEXT_DARK);
  line += 24;
  info = g_strdup_printf ("Host %s", identity_or (self->hostname, "-"));
  text (self, lx, line, info, TEXT_DIM);
  line += 20;
  g_free (info);
  info = g_strdup_printf ("GUID %s", identity_or (self->guid, "-"));
  text (self, lx, line, info, TEXT_DIM);
  line += 20;
  g_free (info);
  info = g_strdup_printf ("AMT  %s", identity_or (self->amt_version, "-"));
  text (self, lx, line, info, TEXT_DIM);
  line += 32;

  text (self, lx, line, "Type here:", TEXT_DARK);
  line += 20;
  fx = lx;
  fy = line;
  fw = MIN (ww - 40, (MAX_TYPED_CHARS + 2) * OB_SIM_FONT_WIDTH + 8);
  fill (self, fx, fy, fw, 24, WHITE);
  frame (self, fx, fy, fw, 24, 2, ACCENT);
  {
    int after = text (self, fx + 6, fy + 4, self->typed->str, 0x000000);

    /* The caret blinks with the clock. */
    if (g_date_time_get_second (now) % 2 == 0)
      fill (self, after + 1, fy + 4, 2, 16, 0x000000);
  }
  line += 32;
  for (guint i = 0; i < self->lines->len; i++)
    {
      g_autofree char *entry = g_strdup_printf ("> %s", (const char *) g_ptr_array_index (self->lines, i));

      text (self, lx, line, entry, TEXT_DARK);
      line += 18;
    }
  line = wy + wh - 48;
  g_free (info);
  info = g_strdup_printf ("Keys %u (last 0x%04x)%s", self->n_keys, self->last_keysym,
                          self->ctrl_alt_del ? "  Ctrl+Alt+Del received" : "");
  text (self, lx, line, info, TEXT_DIM);
  g_free (info);
  info = g_strdup_printf ("Pointer %u,%u  buttons %u  clicks %u  scrolls %u",
                          self->pointer_x, self->pointer_y, self->buttons,
                          self->n_clicks, self->n_scrolls);
  text (self, lx, line + 20, info, TEXT_DIM);

  /* The taskbar. */
  fill (self, 0, h - bar, w, bar, TASKBAR);
  fill (self, 0, h - bar, w, 1, TASKBAR_EDGE);
  fill (self, 6, h - bar + 5, 84, bar - 10, 0x2D2F33);
  fill (self, 14, h - bar + 11, 6, 6, 0x3584E4);
  fill (self, 22, h - bar + 11, 6, 6, 0x33D17A);
  fill (self, 14, h - bar + 19, 6, 6, 0xF6D32D);
  fill (self, 22, h - bar + 19, 6, 6, 0xE01B24);
  text (self, 36, h - bar + 10, "Start", WHITE);
  fill (self, 100, h - bar + 5, 220, bar - 10, 0x3A3C40);
  fill (self, 100, h - bar + bar - 7, 220, 2, ACCENT);
  text (self, 110, h - bar + 10, "Outband Simulator", WHITE);
  text (self, w - text_width (clock) - 12, h - bar + 10, clock, WHITE);
}

/* The firmware setup utility, in the style of the text-mode ones. */
static void
draw_bios_setup (ObSimScreen *self,
                 GDateTime   *now)
{
  int cols = (int) self->width / OB_SIM_FONT_WIDTH;
  int rows = (int) self->height / OB_SIM_FONT_HEIGHT;
  int split = cols * 64 / 100;
  g_autofree char *time_str = g_date_time_format (now, "[%H:%M:%S]");
  g_autofree char *date_str = g_date_time_format (now, "[%a %m/%d/%Y]");
  g_autofree char *asset = g_strdup_printf ("[%s%s]", self->typed->str,
                                            g_date_time_get_second (now) % 2 == 0 ? "_" : " ");
  const char *title = "Outband Simulated BIOS Setup Utility";
  static const char *const menu[] = { "Main", "Advanced", "Boot", "Security", "Save & Exit" };
  struct { const char *label; const char *value; } items[] = {
    { "BIOS Vendor", "Outband Simulated Firmware" },
    { "BIOS Version", "OBSIM.2.14.1278" },
    { "Build Date", "11/02/2026" },
    { "Processor", "Intel(R) Core(TM) i7-1185G7 @ 3.00GHz" },
    { "Total Memory", "16384 MB (LPDDR4x)" },
    { "Intel(R) ME Firmware", identity_or (self->amt_version, "16.1.25") },
    { "System Name", identity_or (self->hostname, "sim") },
    { "System GUID", identity_or (self->guid, "-") },
  };
  int row, col;

  fill (self, 0, 0, (int) self->width, (int) self->height, VGA_BLUE);
  /* Title and menu bar. */
  fill (self, 0, 0, (int) self->width, OB_SIM_FONT_HEIGHT * 2, VGA_CYAN);
  cell_text (self, (cols - (int) strlen (title)) / 2, 0, title, BLACK, VGA_CYAN);
  col = 2;
  for (guint i = 0; i < G_N_ELEMENTS (menu); i++)
    {
      g_autofree char *item = g_strdup_printf (" %s ", menu[i]);

      cell_text (self, col, 1, item, i == 0 ? WHITE : BLACK, i == 0 ? VGA_BLUE : VGA_CYAN);
      col += (int) strlen (item) + 1;
    }

  /* Box and divider, drawn as lines between the cells. */
  frame (self, 4, OB_SIM_FONT_HEIGHT * 2 + 4, (int) self->width - 8,
         (rows - 5) * OB_SIM_FONT_HEIGHT, 2, VGA_GREY);
  fill (self, split * OB_SIM_FONT_WIDTH, OB_SIM_FONT_HEIGHT * 2 + 4, 2,
        (rows - 5) * OB_SIM_FONT_HEIGHT, VGA_GREY);

  row = 4;
  for (guint i = 0; i < G_N_ELEMENTS (items); i++, row++)
    {
      cell_text (self, 3, row, items[i].label, VGA_GREY, VGA_BLUE);
      cell_text (self, 27, row, items[i].value, WHITE, VGA_BLUE);
    }
  row++;
  cell_text (self, 3, row, "System Date", VGA_GREY, VGA_BLUE);
  cell_text (self, 27, row++, date_str, WHITE, VGA_BLUE);
  cell_text (self, 3, row, "System Time", WHITE, VGA_BLUE);
  cell_text (self, 27, row++, time_str, VGA_YELLOW, VGA_BLUE);
  row++;
  cell_text (self, 3, row, "Asset Tag", VGA_GREY, VGA_BLUE);
  cell_text (self, 27, row++, asset, WHITE, VGA_BLUE);
  for (guint i = 0; i < self->lines->len && row < rows - 6; i++, row++)
    {
      g_autofree char *entry = g_strdup_printf ("Entered: %s", (const char *) g_ptr_array_index (self->lines, i));

      cell_text (self, 5, row, entry, VGA_GREY, VGA_BLUE);
    }
  if (self->ctrl_alt_del)
    cell_text (self, 3, rows - 7, "Ctrl+Alt+Del received", VGA_YELLOW, VGA_BLUE);

  /* Help pane. */
  cell_text (self, split + 2, 4, "Set the system time.", WHITE, VGA_BLUE);
  cell_text (self, split + 2, 6, "Use [Enter], [Tab] or", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, 7, "[Shift-Tab] to select", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, 8, "a field.", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 12, "<>: Select Screen", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 11, "^v: Select Item", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 10, "Enter: Select", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 9, "+/-: Change Opt.", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 8, "F1: General Help", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 7, "F10: Save & Exit", VGA_GREY, VGA_BLUE);
  cell_text (self, split + 2, rows - 6, "ESC: Exit", VGA_GREY, VGA_BLUE);

  fill (self, 0, (rows - 2) * OB_SIM_FONT_HEIGHT, (int) self->width, OB_SIM_FONT_HEIGHT * 2, VGA_BLUE);
  cell_text (self, (cols - 52) / 2, rows - 2,
             "Version 2.21.1278  Copyright (C) 2026 Outband Authors", VGA_GREY, VGA_BLUE);
}

/* Text a firmware prints while it boots from the network or media. */
static void
draw_boot_text (ObSimScreen *self,
                GDateTime   *now)
{
  static const char spinner[] = "|/-\\";
  gint64 elapsed = MAX (g_date_time_to_unix (now) - self->scene_since, 0);
  int rows = (int) self->height / OB_SIM_FONT_HEIGHT;
  g_autofree char *guid = g_strdup_printf ("GUID: %s", identity_or (self->guid, "-"));
  g_autofree char *prompt = g_strdup_printf ("> %s_", self->typed->str);
  char spin[2] = { spinner[elapsed % 4], '\0' };
  int row = 1;

  fill (self, 0, 0, (int) self->width, (int) self->height, BLACK);
  switch (self->scene)
    {
    case OB_SIM_SCREEN_SCENE_PXE:
      cell_text (self, 1, row++, "Intel(R) Boot Agent GE v1.5.89", VGA_GREY, BLACK);
      cell_text (self, 1, row++, "Copyright (C) 1997-2026, Intel Corporation", VGA_GREY, BLACK);
      row++;
      cell_text (self, 1, row++, "CLIENT MAC ADDR: 00 1B 21 5A 0C 3E", VGA_GREY, BLACK);
      cell_text (self, 1, row++, guid, VGA_GREY, BLACK);
      cell_text (self, 1, row, "DHCP.", VGA_GREY, BLACK);
      cell_text (self, 7, row++, spin, WHITE, BLACK);
      if (elapsed >= 4)
        cell_text (self, 1, row++, "PXE-E51: No DHCP or proxyDHCP offers were received.", VGA_GREY, BLACK);
      break;
    case OB_SIM_SCREEN_SCENE_BOOT_MEDIA:
      cell_text (self, 1, row++, "Booting from Intel(R) AMT IDE-R / CD-ROM ...", VGA_GREY, BLACK);
      row++;
      cell_text (self, 1, row++, "ISOLINUX 6.04  Copyright (C) 1994-2015 H. Peter Anvin et al", VGA_GREY, BLACK);
      cell_text (self, 1, row, "Loading /boot/vmlinuz", VGA_GREY, BLACK);
      cell_text (self, 23, row++, spin, WHITE, BLACK);
      break;
    case OB_SIM_SCREEN_SCENE_SECURE_ERASE:
      {
        g_autofree char *progress = g_strdup_printf ("Erasing drive 0 (NVMe SSD 512 GB): %3u%%",
                                                     (guint) MIN (elapsed * 2, 100));

        cell_text (self, 1, row++, "Intel(R) Remote Secure Erase", WHITE, BLACK);
        row++;
        cell_text (self, 1, row++, progress, VGA_GREY, BLACK);
        cell_text (self, 1, row++, "Do not power off the system.", VGA_GREY, BLACK);
      }
      break;
    case OB_SIM_SCREEN_SCENE_OFF:
    case OB_SIM_SCREEN_SCENE_DESKTOP:
    case OB_SIM_SCREEN_SCENE_BIOS_SETUP:
    default:
      break;
    }
  cell_text (self, 1, rows - 2, prompt, VGA_GREY, BLACK);
}

static void
draw_off (ObSimScreen *self)
{
  const char *message = "No signal";
  int w = text_width (message) + 24;

  fill (self, 0, 0, (int) self->width, (int) self->height, BLACK);
  frame (self, ((int) self->width - w) / 2, (int) self->height / 2 - 16, w, 32, 1, 0x303030);
  text (self, ((int) self->width - text_width (message)) / 2, (int) self->height / 2 - 8,
        message, 0x606060);
}

/* The firmware's consent sprite: on top of whatever the host shows. */
static void
draw_consent (ObSimScreen *self)
{
  int scale = 10;
  int code_w = 6 * 6 * scale - scale;
  int bw = MAX (code_w + 80, 480), bh = 8 * scale + 116;
  int bx = ((int) self->width - bw) / 2, by = ((int) self->height - bh) / 2;
  const char *head = "Intel(R) AMT - Remote Session Request";
  const char *tell = "Give this code to the remote operator:";
  const char *note = "Only share it with someone you trust.";

  fill (self, bx, by, bw, bh, CONSENT_BG);
  frame (self, bx, by, bw, bh, 3, CONSENT_CODE);
  text (self, bx + (bw - text_width (head)) / 2, by + 14, head, WHITE);
  text (self, bx + (bw - text_width (tell)) / 2, by + 38, tell, VGA_GREY);
  text_big (self, bx + (bw - code_w) / 2, by + 64, self->consent_code, scale, CONSENT_CODE);
  text (self, bx + (bw - text_width (note)) / 2, by + bh - 30, note, VGA_GREY);
}

static void
draw (ObSimScreen *self)
{
  g_autoptr(GDateTime) now = now_local (self);

  switch (self->scene)
    {
    case OB_SIM_SCREEN_SCENE_DESKTOP:
      draw_desktop (self, now);
      break;
    case OB_SIM_SCREEN_SCENE_BIOS_SETUP:
      draw_bios_setup (self, now);
      break;
    case OB_SIM_SCREEN_SCENE_PXE:
    case OB_SIM_SCREEN_SCENE_BOOT_MEDIA:
    case OB_SIM_SCREEN_SCENE_SECURE_ERASE:
      draw_boot_text (self, now);
      break;
    case OB_SIM_SCREEN_SCENE_OFF:
    default:
      draw_off (self);
      break;
    }
  if (self->consent_code != NULL)
    draw_consent (self);
  if (self->scene != OB_SIM_SCREEN_SCENE_OFF)
    {
      draw_trail (self);
      if (self->pointer_seen)
        draw_arrow (self, (int) self->pointer_x, (int) self->pointer_y);
    }
  self->drawn_second = g_date_time_to_unix (now);
}

/* ---- Buffers and damage ---------------------------------------------------- */

static void
allocate (ObSimScreen *self,
          guint        width,
          guint        height)
{
  self->width = CLAMP (width, OB_SIM_SCREEN_MIN_SIZE, OB_SIM_SCREEN_MAX_WIDTH);
  self->height = CLAMP (height, OB_SIM_SCREEN_MIN_SIZE, OB_SIM_SCREEN_MAX_HEIGHT);
  self->tiles_x = (self->width + OB_SIM_SCREEN_TILE - 1) / OB_SIM_SCREEN_TILE;
  self->tiles_y = (self->height + OB_SIM_SCREEN_TILE - 1) / OB_SIM_SCREEN_TILE;
  g_free (self->front);
  g_free (self->back);
  g_free (self->tile_serials);
  self->front = g_new0 (guint32, (gsize) self->width * self->height);
  self->back = g_new0 (guint32, (gsize) self->width * self->height);
  self->tile_serials = g_new0 (guint64, (gsize) self->tiles_x * self->tiles_y);
  self->drawn = FALSE;
  self->dirty = TRUE;
  self->pointer_x = MIN (self->pointer_x, self->width - 1);
  self->pointer_y = MIN (self->pointer_y, self->height - 1);
  self->trail_len = 0;
  for (guint i = 0; i < MAX_CLICK_MARKS; i++)
    {
      self->click_x[i] = MIN (self->click_x[i], self->width - 1);
      self->click_y[i] = MIN (self->click_y[i], self->height - 1);
    }
}

/* Copy the tiles that differ from back to front; TRUE if any did. */
static gboolean
commit (ObSimScreen *self)
{
  gboolean changed = FALSE;
  guint64 serial = self->serial + 1;

  for (guint ty = 0; ty < self->tiles_y; ty++)
    for (guint tx = 0; tx < self->tiles_x; tx++)
      {
        guint x0 = tx * OB_SIM_SCREEN_TILE, y0 = ty * OB_SIM_SCREEN_TILE;
        guint w = MIN (OB_SIM_SCREEN_TILE, self->width - x0);
        guint h = MIN (OB_SIM_SCREEN_TILE, self->height - y0);
        gboolean differs = !self->drawn;

        for (guint row = 0; row < h && !differs; row++)
          {
            gsize offset = (gsize) (y0 + row) * self->width + x0;

            differs = memcmp (self->front + offset, self->back + offset, w * sizeof (guint32)) != 0;
          }
        if (!differs)
          continue;
        for (guint row = 0; row < h; row++)
          {
            gsize offset = (gsize) (y0 + row) * self->width + x0;

            memcpy (self->front + offset, self->back + offset, w * sizeof (guint32));
          }
        self->tile_serials[ty * self->tiles_x + tx] = serial;
        changed = TRUE;
      }
  if (changed)
    self->serial = serial;
  self->drawn = TRUE;
  return changed;
}

static void
touch (ObSimScreen *self)
{
  self->dirty = TRUE;
}

/* ---- Public API -------------------------------------------------------------- */

ObSimScreen *
ob_sim_screen_new (guint width,
                   guint height)
{
  ObSimScreen *self = g_object_new (OB_TYPE_SIM_SCREEN, NULL);

  allocate (self, width, height);
  self->scene_since = now_us (self) / G_USEC_PER_SEC;
  return self;
}

guint
ob_sim_screen_get_width (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->width;
}

guint
ob_sim_screen_get_height (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->height;
}

const guint32 *
ob_sim_screen_get_pixels (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), NULL);
  return self->front;
}

guint32
ob_sim_screen_get_pixel (ObSimScreen *self,
                         guint        x,
                         guint        y)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  g_return_val_if_fail (x < self->width && y < self->height, 0);
  return self->front[(gsize) y * self->width + x];
}

void
ob_sim_screen_resize (ObSimScreen *self,
                      guint        width,
                      guint        height)
{
  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  width = CLAMP (width, OB_SIM_SCREEN_MIN_SIZE, OB_SIM_SCREEN_MAX_WIDTH);
  height = CLAMP (height, OB_SIM_SCREEN_MIN_SIZE, OB_SIM_SCREEN_MAX_HEIGHT);
  if (width == self->width && height == self->height)
    return;
  allocate (self, width, height);
  self->size_serial++;
}

void
ob_sim_screen_set_scene (ObSimScreen      *self,
                         ObSimScreenScene  scene)
{
  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  if (self->scene == scene)
    return;
  self->scene = scene;
  self->scene_since = now_us (self) / G_USEC_PER_SEC;
  touch (self);
}

ObSimScreenScene
ob_sim_screen_get_scene (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), OB_SIM_SCREEN_SCENE_OFF);
  return self->scene;
}

static void
replace (char       **field,
         const char  *value)
{
  if (value != NULL && g_strcmp0 (*field, value) != 0)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

void
ob_sim_screen_set_identity (ObSimScreen *self,
                            const char  *hostname,
                            const char  *guid,
                            const char  *amt_version)
{
  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  replace (&self->hostname, hostname);
  replace (&self->guid, guid);
  replace (&self->amt_version, amt_version);
  touch (self);
}

void
ob_sim_screen_set_consent_code (ObSimScreen *self,
                                const char  *code)
{
  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  if (g_strcmp0 (self->consent_code, code) == 0)
    return;
  g_free (self->consent_code);
  self->consent_code = g_strdup (code);
  touch (self);
}

void
ob_sim_screen_set_fixed_time (ObSimScreen *self,
                              gint64       unix_time)
{
  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  self->fixed_time = unix_time < 0 ? -1 : unix_time;
  touch (self);
}

static void
end_line (ObSimScreen *self)
{
  if (self->lines->len == MAX_TYPED_LINES)
    g_ptr_array_remove_index (self->lines, 0);
  g_ptr_array_add (self->lines, g_strdup (self->typed->str));
  g_string_truncate (self->typed, 0);
}

static void
backspace (ObSimScreen *self)
{
  const char *last;

  if (self->typed->len == 0)
    return;
  last = g_utf8_find_prev_char (self->typed->str, self->typed->str + self->typed->len);
  g_string_truncate (self->typed, last != NULL ? (gsize) (last - self->typed->str) : 0);
}

void
ob_sim_screen_key (ObSimScreen *self,
                   guint32      keysym,
                   gboolean     down)
{
  gunichar c = 0;

  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  switch (keysym)
    {
    case 0xFFE1: case 0xFFE2:   /* Shift_L, Shift_R */
      self->shift = down;
      break;
    case 0xFFE3: case 0xFFE4:   /* Control_L, Control_R */
      self->ctrl = down;
      break;
    case 0xFFE9: case 0xFFEA:   /* Alt_L, Alt_R */
      self->alt = down;
      break;
    default:
      break;
    }
  if (!down)
    return;

  self->n_keys++;
  self->last_keysym = keysym;
  if (keysym >= 0x20 && keysym <= 0x7E)
    c = keysym;
  else if (keysym >= 0xA0 && keysym <= 0xFF)
    c = keysym;                       /* Latin-1 keysyms are their code points */
  else if (keysym >= 0xFFB0 && keysym <= 0xFFB9)
    c = '0' + (keysym - 0xFFB0);      /* keypad digits */

  if (keysym == 0xFFFF || keysym == 0xFF9F)    /* Delete, KP_Delete */
    {
      if (self->ctrl && self->alt)
        self->ctrl_alt_del = TRUE;
    }
  else if (keysym == 0xFF08)                   /* BackSpace */
    backspace (self);
  else if (keysym == 0xFF0D || keysym == 0xFF8D)  /* Return, KP_Enter */
    end_line (self);
  else if (keysym == 0xFF1B)                   /* Escape */
    g_string_truncate (self->typed, 0);
  else if (c != 0 && !self->ctrl && !self->alt
           && g_utf8_strlen (self->typed->str, -1) < MAX_TYPED_CHARS)
    g_string_append_unichar (self->typed, c);
  touch (self);
}

void
ob_sim_screen_pointer (ObSimScreen *self,
                       guint8       buttons,
                       guint        x,
                       guint        y)
{
  guint8 pressed;

  g_return_if_fail (OB_IS_SIM_SCREEN (self));

  x = MIN (x, self->width - 1);
  y = MIN (y, self->height - 1);
  if (!self->pointer_seen || x != self->pointer_x || y != self->pointer_y)
    {
      self->trail_head = (self->trail_head + 1) % TRAIL_LENGTH;
      self->trail_x[self->trail_head] = x;
      self->trail_y[self->trail_head] = y;
      self->trail_len = MIN (self->trail_len + 1, TRAIL_LENGTH);
    }
  pressed = buttons & ~self->buttons;
  if (pressed & 0x07)
    {
      self->click_x[self->n_clicks % MAX_CLICK_MARKS] = x;
      self->click_y[self->n_clicks % MAX_CLICK_MARKS] = y;
      self->n_clicks++;
    }
  if (pressed & 0x18)
    self->n_scrolls++;
  self->pointer_seen = TRUE;
  self->pointer_x = x;
  self->pointer_y = y;
  self->buttons = buttons;
  touch (self);
}

const char *
ob_sim_screen_get_typed_text (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), NULL);
  return self->typed->str;
}

GStrv
ob_sim_screen_dup_typed_lines (ObSimScreen *self)
{
  GStrvBuilder *builder;
  GStrv lines;

  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->lines->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->lines, i));
  lines = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return lines;
}

guint
ob_sim_screen_get_n_keys (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->n_keys;
}

guint
ob_sim_screen_get_n_clicks (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->n_clicks;
}

gboolean
ob_sim_screen_get_ctrl_alt_del (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), FALSE);
  return self->ctrl_alt_del;
}

gboolean
ob_sim_screen_refresh (ObSimScreen *self)
{
  gboolean changed;

  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), FALSE);

  if (!self->dirty && self->drawn
      && (!scene_ticks (self) || now_us (self) / G_USEC_PER_SEC == self->drawn_second))
    return FALSE;
  draw (self);
  self->dirty = FALSE;
  changed = commit (self);
  if (changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  return changed;
}

guint64
ob_sim_screen_get_serial (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->serial;
}

guint
ob_sim_screen_get_size_serial (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->size_serial;
}

guint
ob_sim_screen_get_tiles_x (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->tiles_x;
}

guint
ob_sim_screen_get_tiles_y (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  return self->tiles_y;
}

guint64
ob_sim_screen_tile_serial (ObSimScreen *self,
                           guint        tile_x,
                           guint        tile_y)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), 0);
  g_return_val_if_fail (tile_x < self->tiles_x && tile_y < self->tiles_y, 0);
  return self->tile_serials[tile_y * self->tiles_x + tile_x];
}

gint64
ob_sim_screen_get_next_tick_us (ObSimScreen *self)
{
  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), -1);

  if (self->fixed_time >= 0 || !scene_ticks (self))
    return -1;
  return G_USEC_PER_SEC - g_get_real_time () % G_USEC_PER_SEC;
}

/* ---- PNG ------------------------------------------------------------------------ */

static void
png_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           gsize         len)
{
  guint8 be[4] = { (guint8) (len >> 24), (guint8) (len >> 16), (guint8) (len >> 8), (guint8) len };
  uLong crc = crc32 (0, (const Bytef *) type, 4);

  if (len > 0)
    crc = crc32 (crc, data, (uInt) len);
  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, (guint) len);
  be[0] = (guint8) (crc >> 24);
  be[1] = (guint8) (crc >> 16);
  be[2] = (guint8) (crc >> 8);
  be[3] = (guint8) crc;
  g_byte_array_append (out, be, 4);
}

GBytes *
ob_sim_screen_to_png (ObSimScreen *self)
{
  static const guint8 signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  gsize row_len, raw_len;
  g_autofree guint8 *raw = NULL;
  g_autofree guint8 *packed = NULL;
  uLongf packed_len;
  guint8 header[13];

  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), NULL);

  /* Rows of filter type 0 (none) + RGB. */
  row_len = 1 + (gsize) self->width * 3;
  raw_len = row_len * self->height;
  raw = g_malloc (raw_len);
  for (guint y = 0; y < self->height; y++)
    {
      guint8 *row = raw + row_len * y;
      const guint32 *src = self->front + (gsize) y * self->width;

      row[0] = 0;
      for (guint x = 0; x < self->width; x++)
        {
          row[1 + x * 3] = (guint8) (src[x] >> 16);
          row[2 + x * 3] = (guint8) (src[x] >> 8);
          row[3 + x * 3] = (guint8) src[x];
        }
    }
  packed_len = compressBound ((uLong) raw_len);
  packed = g_malloc (packed_len);
  if (compress2 (packed, &packed_len, raw, (uLong) raw_len, 6) != Z_OK)
    g_error ("zlib failed to compress %" G_GSIZE_FORMAT " bytes", raw_len);

  header[0] = (guint8) (self->width >> 24);
  header[1] = (guint8) (self->width >> 16);
  header[2] = (guint8) (self->width >> 8);
  header[3] = (guint8) self->width;
  header[4] = (guint8) (self->height >> 24);
  header[5] = (guint8) (self->height >> 16);
  header[6] = (guint8) (self->height >> 8);
  header[7] = (guint8) self->height;
  header[8] = 8;     /* bit depth */
  header[9] = 2;     /* colour type: RGB */
  header[10] = 0;    /* deflate */
  header[11] = 0;    /* adaptive filtering */
  header[12] = 0;    /* no interlace */

  g_byte_array_append (out, signature, sizeof signature);
  png_chunk (out, "IHDR", header, sizeof header);
  png_chunk (out, "IDAT", packed, packed_len);
  png_chunk (out, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

gboolean
ob_sim_screen_save_png (ObSimScreen  *self,
                        const char   *path,
                        GError      **error)
{
  g_autoptr(GBytes) png = NULL;

  g_return_val_if_fail (OB_IS_SIM_SCREEN (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  png = ob_sim_screen_to_png (self);
  return g_file_set_contents (path, g_bytes_get_data (png, NULL), (gssize) g_bytes_get_size (png), error);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ob_sim_screen_finalize (GObject *object)
{
  ObSimScreen *self = OB_SIM_SCREEN (object);

  g_free (self->front);
  g_free (self->back);
  g_free (self->tile_serials);
  g_free (self->hostname);
  g_free (self->guid);
  g_free (self->amt_version);
  g_free (self->consent_code);
  g_string_free (self->typed, TRUE);
  g_ptr_array_unref (self->lines);

  G_OBJECT_CLASS (ob_sim_screen_parent_class)->finalize (object);
}

static void
ob_sim_screen_class_init (ObSimScreenClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_sim_screen_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ob_sim_screen_init (ObSimScreen *self)
{
  self->scene = OB_SIM_SCREEN_SCENE_DESKTOP;
  self->fixed_time = -1;
  self->drawn_second = -1;
  self->typed = g_string_new (NULL);
  self->lines = g_ptr_array_new_with_free_func (g_free);
}
