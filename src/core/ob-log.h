/* ob-log.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One threshold for all of Outband's log domains ("outband-mps",
 * "outband-rps", "outband-store", …).  Messages at or above the threshold
 * are written; G_MESSAGES_DEBUG still enables debug output per domain. */
typedef enum
{
  OB_LOG_LEVEL_ERROR,
  OB_LOG_LEVEL_WARNING,
  OB_LOG_LEVEL_MESSAGE,
  OB_LOG_LEVEL_INFO,
  OB_LOG_LEVEL_DEBUG,
} ObLogLevel;

#define OB_TYPE_LOG_LEVEL (ob_log_level_get_type ())
GType       ob_log_level_get_type   (void) G_GNUC_CONST;

#define OB_LOG_DOMAIN_PREFIX "outband"

void        ob_log_init             (void);
void        ob_log_set_level        (ObLogLevel      level);
ObLogLevel  ob_log_get_level        (void);
gboolean    ob_log_level_from_string (const char    *nick,
                                      ObLogLevel    *level);
gboolean    ob_log_would_write      (const char     *log_domain,
                                     GLogLevelFlags  flags);

G_END_DECLS
