/* ob-sim-sol-console.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-sim-sol-console.h"

#define MAX_LINE 200

typedef enum
{
  MODE_OFF,        /* host off: nothing runs */
  MODE_BIOS,       /* the setup screen, Asset Tag field */
  MODE_LOGIN,
  MODE_PASSWORD,
  MODE_SHELL,
} Mode;

struct _ObSimSolConsole
{
  GObject      parent_instance;

  ObSimDevice *device;
  gulong       booted_id;
  gulong       power_id;
  Mode         mode;
  GString     *line;
  char        *user;
  guint        escape;       /* 0, 1 after ESC, 2 inside ESC [, 3 after ESC O */
  gboolean     after_cr;
  gint64       booted_at;
  guint        n_commands;
};

G_DEFINE_FINAL_TYPE (ObSimSolConsole, ob_sim_sol_console, G_TYPE_OBJECT)

enum
{
  SIGNAL_OUTPUT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
emit (ObSimSolConsole *self,
      const char      *text)
{
  g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

  g_signal_emit (self, signals[SIGNAL_OUTPUT], 0, bytes);
}

static void G_GNUC_PRINTF (2, 3)
emitf (ObSimSolConsole *self,
       const char      *format,
       ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  emit (self, text);
}

static gboolean
host_on (ObSimSolConsole *self)
{
  return ob_sim_device_get_power_state (self->device) == OB_SIM_POWER_ON;
}

static void
prompt (ObSimSolConsole *self)
{
  const char *host = ob_sim_device_get_hostname (self->device);

  g_string_truncate (self->line, 0);
  switch (self->mode)
    {
    case MODE_LOGIN:
      emitf (self, "%s login: ", host);
      break;
    case MODE_PASSWORD:
      emit (self, "Password: ");
      break;
    case MODE_SHELL:
      emitf (self, "%s@%s:~$ ", self->user, host);
      break;
    case MODE_BIOS:
      emit (self, "\033[22;27H\033[1;37;44m[                    ]\033[22;28H");
      break;
    case MODE_OFF:
    default:
      break;
    }
}

/* A text-mode setup screen in ANSI colours (80×24), as a BIOS redirects
 * its console to the serial port. */
static void
show_bios (ObSimSolConsole *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (ob_sim_device_get_time (self->device));
  g_autofree char *date = g_date_time_format (now, "%m/%d/%Y");
  g_autofree char *time = g_date_time_format (now, "%H:%M:%S");

  emit (self, "\033[0m\033[2J\033[H\033[1;30;46m");
  emit (self, "                    Outband Simulated BIOS Setup Utility                        \r\n");
  emit (self, "  Main   Advanced   Boot   Security   Save & Exit                               \r\n");
  emit (self, "\033[0;37;44m\033[J");
  emitf (self, "\033[4;3HBIOS Vendor            Outband Simulated Firmware");
  emitf (self, "\033[5;3HBIOS Version           OBSIM.2.14.1278");
  emitf (self, "\033[6;3HProcessor              Intel(R) Core(TM) i7-1185G7 @ 3.00GHz");
  emitf (self, "\033[7;3HTotal Memory           16384 MB");
  emitf (self, "\033[8;3HIntel(R) ME Firmware   %s", ob_sim_device_get_amt_version (self->device));
  emitf (self, "\033[9;3HSystem Name            %s", ob_sim_device_get_hostname (self->device));
  emitf (self, "\033[10;3HSystem GUID            %s", ob_sim_device_get_guid (self->device));
  emitf (self, "\033[12;3HSystem Date            [%s]", date);
  emitf (self, "\033[13;3HSystem Time            [%s]", time);
  emit (self, "\033[22;3HAsset Tag");
  emit (self, "\033[24;3H\033[0;30;47m F1 Help  ESC Exit  Enter Select  F10 Save & Exit          \033[0;37;44m");
}

static void
show_boot (ObSimSolConsole *self)
{
  const char *host = ob_sim_device_get_hostname (self->device);

  if (ob_sim_device_get_last_boot_target (self->device) == OB_SIM_BOOT_TARGET_BIOS_SETUP)
    {
      self->mode = MODE_BIOS;
      show_bios (self);
      prompt (self);
      return;
    }
  emit (self, "\033[0m\r\nOutband Simulated Firmware 2.14.1278 - POST\r\n");
  emit (self, "CPU: Intel(R) Core(TM) i7-1185G7 @ 3.00GHz\r\n");
  emit (self, "Memory test: 16777216K OK\r\n");
  emitf (self, "Intel(R) AMT %s: press Ctrl+P for MEBx\r\n", ob_sim_device_get_amt_version (self->device));
  emit (self, "Press F2 for setup, F12 for the boot menu\r\n\r\n");
  emit (self, "Booting from hard disk...\r\n");
  emit (self, "[    0.000000] Linux version 6.1.0-sim (outband@sim) #1 SMP\r\n");
  emit (self, "[    0.000000] Command line: console=tty0 console=ttyS0,115200n8\r\n");
  emit (self, "[    1.204311] serial8250: ttyS0 at I/O 0x3f8 (irq = 4) is a 16550A\r\n");
  emitf (self, "\r\nOutband Simulated Linux 12 %s ttyS0\r\n\r\n", host);
  self->mode = MODE_LOGIN;
  prompt (self);
}

/* TRUE if the command printed its own prompt (reboot). */
static gboolean
run_command (ObSimSolConsole *self,
             const char      *command_line)
{
  g_auto(GStrv) argv = g_strsplit_set (command_line, " \t", -1);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *cmd;

  for (guint i = 0; argv[i] != NULL; i++)
    if (argv[i][0] != '\0')
      g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  cmd = g_ptr_array_index (args, 0);
  if (cmd == NULL)
    return FALSE;
  self->n_commands++;

  if (g_str_equal (cmd, "help"))
    emit (self, "Commands: help uname date uptime hostname whoami echo amt clear reboot exit\r\n");
  else if (g_str_equal (cmd, "uname"))
    {
      const char *flag = g_ptr_array_index (args, 1);

      if (flag != NULL && g_str_equal (flag, "-a"))
        emitf (self, "Linux %s 6.1.0-sim #1 SMP x86_64 GNU/Linux\r\n",
               ob_sim_device_get_hostname (self->device));
      else
        emit (self, "Linux\r\n");
    }
  else if (g_str_equal (cmd, "date"))
    {
      g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (ob_sim_device_get_time (self->device));
      g_autofree char *text = g_date_time_format (now, "%a %b %e %H:%M:%S UTC %Y");

      emitf (self, "%s\r\n", text);
    }
  else if (g_str_equal (cmd, "uptime"))
    {
      gint64 up = MAX (ob_sim_device_get_time (self->device) - self->booted_at, 0);

      emitf (self, " up %" G_GINT64_FORMAT " min, 1 user, load average: 0.00, 0.01, 0.05\r\n", up / 60);
    }
  else if (g_str_equal (cmd, "hostname"))
    emitf (self, "%s\r\n", ob_sim_device_get_hostname (self->device));
  else if (g_str_equal (cmd, "whoami"))
    emitf (self, "%s\r\n", self->user);
  else if (g_str_equal (cmd, "echo"))
    {
      g_autofree char *text = g_strjoinv (" ", (char **) args->pdata + 1);

      emitf (self, "%s\r\n", text);
    }
  else if (g_str_equal (cmd, "amt"))
    emitf (self, "Intel(R) AMT %s, GUID %s\r\n", ob_sim_device_get_amt_version (self->device),
           ob_sim_device_get_guid (self->device));
  else if (g_str_equal (cmd, "clear"))
    emit (self, "\033[H\033[2J");
  else if (g_str_equal (cmd, "reboot"))
    {
      emit (self, "reboot: Restarting system\r\n");
      self->booted_at = ob_sim_device_get_time (self->device);
      show_boot (self);
      return TRUE;
    }
  else if (g_str_equal (cmd, "exit") || g_str_equal (cmd, "logout"))
    self->mode = MODE_LOGIN;
  else
    emitf (self, "-sh: %s: command not found\r\n", cmd);
  return FALSE;
}

static void
enter (ObSimSolConsole *self)
{
  g_autofree char *line = g_strdup (self->line->str);

  emit (self, "\r\n");
  switch (self->mode)
    {
    case MODE_LOGIN:
      if (line[0] != '\0')
        {
          g_free (self->user);
          self->user = g_strdup (line);
          self->mode = MODE_PASSWORD;
        }
      break;
    case MODE_PASSWORD:
      emit (self, "Last login: never\r\n");
      self->mode = MODE_SHELL;
      break;
    case MODE_SHELL:
      if (run_command (self, line))
        return;
      break;
    case MODE_BIOS:
      emitf (self, "\033[0;37;44m\033[23;3HAsset Tag saved: %-30s", line);
      break;
    case MODE_OFF:
    default:
      return;
    }
  prompt (self);
}

void
ob_sim_sol_console_input (ObSimSolConsole *self,
                          const guint8    *data,
                          gsize            length)
{
  g_return_if_fail (OB_IS_SIM_SOL_CONSOLE (self));

  if (self->mode == MODE_OFF)
    return;
  for (gsize i = 0; i < length; i++)
    {
      guint8 c = data[i];

      /* Escape sequences (arrows, function keys) are swallowed whole:
       * ESC [ … final byte, ESC O x, ESC x. */
      if (self->escape == 1)
        {
          self->escape = c == '[' ? 2 : c == 'O' ? 3 : 0;
          continue;
        }
      if (self->escape == 2)
        {
          if (c >= 0x40 && c <= 0x7E)
            self->escape = 0;
          continue;
        }
      if (self->escape == 3)
        {
          self->escape = 0;
          continue;
        }
      self->after_cr = FALSE;
      if (c == 0x1B)
        self->escape = 1;
      else if (c == '\r' || c == '\n')
        {
          /* CR LF from a terminal is one Enter. */
          gboolean second = c == '\n' && self->after_cr;

          self->after_cr = c == '\r';
          if (!second)
            enter (self);
          continue;
        }
      else if (c == 0x08 || c == 0x7F)
        {
          if (self->line->len > 0)
            {
              g_string_truncate (self->line, self->line->len - 1);
              if (self->mode != MODE_PASSWORD)
                emit (self, "\b \b");
            }
        }
      else if (c == 0x03)
        {
          emit (self, "^C\r\n");
          prompt (self);
        }
      else if (c >= 0x20 && c < 0x7F && self->line->len < MAX_LINE)
        {
          char echo[2] = { (char) c, '\0' };

          g_string_append_c (self->line, (char) c);
          if (self->mode != MODE_PASSWORD)
            emit (self, echo);
        }
    }
}

void
ob_sim_sol_console_start (ObSimSolConsole *self)
{
  g_return_if_fail (OB_IS_SIM_SOL_CONSOLE (self));

  if (!host_on (self))
    {
      self->mode = MODE_OFF;
      return;
    }
  if (self->mode == MODE_OFF)
    {
      show_boot (self);
      return;
    }
  emit (self, "\r\n");
  prompt (self);
}

guint
ob_sim_sol_console_get_n_commands (ObSimSolConsole *self)
{
  g_return_val_if_fail (OB_IS_SIM_SOL_CONSOLE (self), 0);
  return self->n_commands;
}

static void
on_booted (ObSimDevice *device,
           guint        target,
           gboolean     use_sol,
           gpointer     user_data)
{
  ObSimSolConsole *self = user_data;

  self->booted_at = ob_sim_device_get_time (device);
  g_clear_pointer (&self->user, g_free);
  self->user = g_strdup ("root");
  show_boot (self);
}

static void
on_power_state (ObSimDevice *device,
                GParamSpec  *pspec,
                gpointer     user_data)
{
  ObSimSolConsole *self = user_data;

  if (!host_on (self) && self->mode != MODE_OFF)
    {
      emit (self, "\r\n[  OK  ] Reached target Power-Off.\r\n");
      self->mode = MODE_OFF;
    }
}

ObSimSolConsole *
ob_sim_sol_console_new (ObSimDevice *device)
{
  ObSimSolConsole *self;

  g_return_val_if_fail (OB_IS_SIM_DEVICE (device), NULL);

  self = g_object_new (OB_TYPE_SIM_SOL_CONSOLE, NULL);
  self->device = g_object_ref (device);
  self->booted_at = ob_sim_device_get_time (device);
  self->booted_id = g_signal_connect (device, "booted", G_CALLBACK (on_booted), self);
  self->power_id = g_signal_connect (device, "notify::power-state", G_CALLBACK (on_power_state), self);
  return self;
}

static void
ob_sim_sol_console_dispose (GObject *object)
{
  ObSimSolConsole *self = OB_SIM_SOL_CONSOLE (object);

  if (self->device != NULL)
    {
      g_clear_signal_handler (&self->booted_id, self->device);
      g_clear_signal_handler (&self->power_id, self->device);
      g_clear_object (&self->device);
    }

  G_OBJECT_CLASS (ob_sim_sol_console_parent_class)->dispose (object);
}

static void
ob_sim_sol_console_finalize (GObject *object)
{
  ObSimSolConsole *self = OB_SIM_SOL_CONSOLE (object);

  g_string_free (self->line, TRUE);
  g_free (self->user);

  G_OBJECT_CLASS (ob_sim_sol_console_parent_class)->finalize (object);
}

static void
ob_sim_sol_console_class_init (ObSimSolConsoleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_sol_console_dispose;
  object_class->finalize = ob_sim_sol_console_finalize;

  signals[SIGNAL_OUTPUT] =
    g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BYTES);
}

static void
ob_sim_sol_console_init (ObSimSolConsole *self)
{
  self->mode = MODE_OFF;
  self->line = g_string_new (NULL);
  self->user = g_strdup ("root");
}
