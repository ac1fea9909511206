/* ob-util.h
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

char     *ob_hex_encode               (const guint8 *data,
                                       gsize         len,
                                       gboolean      upper_case);
GBytes   *ob_hex_decode               (const char   *hex,
                                       GError      **error);

gboolean  ob_uuid_parse               (const char   *text,
                                       guint8        out_bytes[16]);
char     *ob_uuid_to_string           (const guint8  bytes[16]);
void      ob_uuid_swap_smbios_order   (guint8        bytes[16]);
gboolean  ob_uuid_is_valid            (const char   *text);

void      ob_random_bytes             (guint8       *buf,
                                       gsize         len);
char     *ob_random_password          (void);

void      ob_secure_clear             (void         *buf,
                                       gsize         len);
void      ob_secure_free_string       (char         *str);
GBytes   *ob_secure_bytes_copy        (GBytes       *value);

char     *ob_get_primary_address      (void);

char     *ob_get_data_dir             (void);

GDateTime *ob_date_time_new_from_real_time (gint64     usec);
gint64     ob_date_time_to_real_time       (GDateTime *when);

G_END_DECLS
