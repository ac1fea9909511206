/* ob-log.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ob-log.h"

static const GEnumValue log_level_values[] = {
  { OB_LOG_LEVEL_ERROR, "OB_LOG_LEVEL_ERROR", "error" },
  { OB_LOG_LEVEL_WARNING, "OB_LOG_LEVEL_WARNING", "warning" },
  { OB_LOG_LEVEL_MESSAGE, "OB_LOG_LEVEL_MESSAGE", "message" },
  { OB_LOG_LEVEL_INFO, "OB_LOG_LEVEL_INFO", "info" },
  { OB_LOG_LEVEL_DEBUG, "OB_LOG_LEVEL_DEBUG", "debug" },
  { 0, NULL, NULL },
};

GType
ob_log_level_get_type (void)
{
  static gsize type_id = 0;

  if (g_once_init_enter (&type_id))
    {
      GType t = g_enum_register_static (g_intern_static_string ("ObLogLevel"),
                                        log_level_values);
      g_once_init_leave (&type_id, t);
    }

  return type_id;
}

static int current_level = OB_LOG_LEVEL_MESSAGE;

static ObLogLevel
level_of_flags (GLogLevelFlags flags)
{
  if (flags & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
    return OB_LOG_LEVEL_ERROR;
  if (flags & G_LOG_LEVEL_WARNING)
    return OB_LOG_LEVEL_WARNING;
  if (flags & G_LOG_LEVEL_MESSAGE)
    return OB_LOG_LEVEL_MESSAGE;
  if (flags & G_LOG_LEVEL_INFO)
    return OB_LOG_LEVEL_INFO;
  return OB_LOG_LEVEL_DEBUG;
}

static gboolean
is_outband_domain (const char *log_domain)
{
  return log_domain != NULL && g_str_has_prefix (log_domain, OB_LOG_DOMAIN_PREFIX);
}

/* Whether a message of this domain and level passes the threshold.  Errors,
 * criticals and warnings always pass: they mean something is wrong. */
gboolean
ob_log_would_write (const char     *log_domain,
                    GLogLevelFlags  flags)
{
  ObLogLevel level = level_of_flags (flags);

  if (level <= OB_LOG_LEVEL_WARNING)
    return TRUE;
  if (!is_outband_domain (log_domain))
    return !g_log_writer_default_would_drop (flags & G_LOG_LEVEL_MASK, log_domain);
  if ((int) level <= g_atomic_int_get (&current_level))
    return TRUE;
  /* G_MESSAGES_DEBUG=outband-mps still turns one domain's info and debug
   * output on; it has no say over messages. */
  if (level < OB_LOG_LEVEL_INFO)
    return FALSE;
  return !g_log_writer_default_would_drop (flags & G_LOG_LEVEL_MASK, log_domain);
}

static GLogWriterOutput
ob_log_writer (GLogLevelFlags   log_level,
               const GLogField *fields,
               gsize            n_fields,
               gpointer         user_data)
{
  const char *domain = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
        {
          domain = fields[i].value;
          break;
        }
    }

  if (!ob_log_would_write (domain, log_level))
    return G_LOG_WRITER_HANDLED;

  if (is_outband_domain (domain) && level_of_flags (log_level) > OB_LOG_LEVEL_MESSAGE)
    {
      /* The default writer drops info/debug unless G_MESSAGES_DEBUG names the
       * domain; our threshold has already said yes, so write it ourselves. */
      g_autofree char *line = g_log_writer_format_fields (log_level, fields, n_fields, FALSE);

      fprintf (stderr, "%s\n", line);
      fflush (stderr);
      return G_LOG_WRITER_HANDLED;
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

void
ob_log_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      g_log_set_writer_func (ob_log_writer, NULL, NULL);
      g_once_init_leave (&initialized, 1);
    }
}

void
ob_log_set_level (ObLogLevel level)
{
  g_return_if_fail (level <= OB_LOG_LEVEL_DEBUG);

  g_atomic_int_set (&current_level, (int) level);
}

ObLogLevel
ob_log_get_level (void)
{
  return (ObLogLevel) g_atomic_int_get (&current_level);
}

gboolean
ob_log_level_from_string (const char *nick,
                          ObLogLevel *level)
{
  for (guint i = 0; log_level_values[i].value_nick != NULL; i++)
    {
      if (g_strcmp0 (nick, log_level_values[i].value_nick) == 0)
        {
          *level = (ObLogLevel) log_level_values[i].value;
          return TRUE;
        }
    }

  return FALSE;
}
