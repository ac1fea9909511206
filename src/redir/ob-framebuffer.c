/* ob-framebuffer.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-framebuffer.h"

/* Past this many separate rectangles the damage collapses to its bounding
 * box: uploading a little more beats tracking thousands of tiles. */
#define MAX_DAMAGE_RECTS 128

struct _ObFramebuffer
{
  GObject  parent_instance;

  guint    width;
  guint    height;
  guint32 *pixels;

  GArray  *damage;   /* ObFramebufferRect */
  /* The bounding box of the pending damage. */
  guint    bx0, by0, bx1, by1;
};

G_DEFINE_FINAL_TYPE (ObFramebuffer, ob_framebuffer, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_WIDTH,
  PROP_HEIGHT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_DAMAGED,
  SIGNAL_RESIZED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
size_ok (guint width,
         guint height)
{
  return width > 0 && height > 0
         && width <= OB_FRAMEBUFFER_MAX_DIMENSION && height <= OB_FRAMEBUFFER_MAX_DIMENSION
         && (guint64) width * height <= OB_FRAMEBUFFER_MAX_PIXELS;
}

static void
ob_framebuffer_finalize (GObject *object)
{
  ObFramebuffer *self = OB_FRAMEBUFFER (object);

  g_free (self->pixels);
  g_array_unref (self->damage);

  G_OBJECT_CLASS (ob_framebuffer_parent_class)->finalize (object);
}

static void
ob_framebuffer_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ObFramebuffer *self = OB_FRAMEBUFFER (object);

  switch (prop_id)
    {
    case PROP_WIDTH:
      g_value_set_uint (value, self->width);
      break;
    case PROP_HEIGHT:
      g_value_set_uint (value, self->height);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_framebuffer_class_init (ObFramebufferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ob_framebuffer_finalize;
  object_class->get_property = ob_framebuffer_get_property;

  properties[PROP_WIDTH] =
    g_param_spec_uint ("width", NULL, NULL, 0, OB_FRAMEBUFFER_MAX_DIMENSION, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_HEIGHT] =
    g_param_spec_uint ("height", NULL, NULL, 0, OB_FRAMEBUFFER_MAX_DIMENSION, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::damaged (x, y, width, height): the bounding box of what changed
   * since the last flush; ob_framebuffer_get_damage() has the parts. */
  signals[SIGNAL_DAMAGED] =
    g_signal_new ("damaged", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 4, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
  /* ::resized (width, height) */
  signals[SIGNAL_RESIZED] =
    g_signal_new ("resized", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
ob_framebuffer_init (ObFramebuffer *self)
{
  self->damage = g_array_new (FALSE, FALSE, sizeof (ObFramebufferRect));
}

static void
fill_black (ObFramebuffer *self)
{
  gsize n = (gsize) self->width * self->height;

  for (gsize i = 0; i < n; i++)
    self->pixels[i] = 0xFF000000u;
}

ObFramebuffer *
ob_framebuffer_new (guint width,
                    guint height)
{
  ObFramebuffer *self;

  if (!size_ok (width, height))
    return NULL;

  self = g_object_new (OB_TYPE_FRAMEBUFFER, NULL);
  self->width = width;
  self->height = height;
  self->pixels = g_new (guint32, (gsize) width * height);
  fill_black (self);
  return self;
}

guint
ob_framebuffer_get_width (ObFramebuffer *self)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), 0);
  return self->width;
}

guint
ob_framebuffer_get_height (ObFramebuffer *self)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), 0);
  return self->height;
}

gsize
ob_framebuffer_get_stride (ObFramebuffer *self)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), 0);
  return (gsize) self->width * 4;
}

guint32 *
ob_framebuffer_get_data (ObFramebuffer *self)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), NULL);
  return self->pixels;
}

guint32
ob_framebuffer_get_pixel (ObFramebuffer *self,
                          guint          x,
                          guint          y)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), 0);

  if (x >= self->width || y >= self->height)
    return 0;
  return self->pixels[(gsize) y * self->width + x];
}

gboolean
ob_framebuffer_resize (ObFramebuffer *self,
                       guint          width,
                       guint          height)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), FALSE);

  if (!size_ok (width, height))
    return FALSE;

  g_free (self->pixels);
  self->width = width;
  self->height = height;
  self->pixels = g_new (guint32, (gsize) width * height);
  fill_black (self);
  g_array_set_size (self->damage, 0);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_WIDTH]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HEIGHT]);
  g_signal_emit (self, signals[SIGNAL_RESIZED], 0, width, height);
  g_object_thaw_notify (G_OBJECT (self));
  return TRUE;
}

void
ob_framebuffer_add_damage (ObFramebuffer *self,
                           guint          x,
                           guint          y,
                           guint          width,
                           guint          height)
{
  ObFramebufferRect r;

  g_return_if_fail (OB_IS_FRAMEBUFFER (self));

  if (x >= self->width || y >= self->height || width == 0 || height == 0)
    return;
  width = MIN (width, self->width - x);
  height = MIN (height, self->height - y);
  r = (ObFramebufferRect) { x, y, width, height };

  if (self->damage->len == 0)
    {
      self->bx0 = x;
      self->by0 = y;
      self->bx1 = x + width;
      self->by1 = y + height;
    }
  else
    {
      self->bx0 = MIN (self->bx0, x);
      self->by0 = MIN (self->by0, y);
      self->bx1 = MAX (self->bx1, x + width);
      self->by1 = MAX (self->by1, y + height);
    }

  /* Tiles arrive in row-major order: grow the last rectangle along its
   * row, or a whole band downwards. */
  if (self->damage->len > 0)
    {
      ObFramebufferRect *last = &g_array_index (self->damage, ObFramebufferRect, self->damage->len - 1);

      if (last->y == r.y && last->height == r.height && last->x + last->width == r.x)
        {
          last->width += r.width;
          return;
        }
      if (last->x == r.x && last->width == r.width && last->y + last->height == r.y)
        {
          last->height += r.height;
          return;
        }
      if (r.x >= last->x && r.y >= last->y && r.x + r.width <= last->x + last->width
          && r.y + r.height <= last->y + last->height)
        return;
    }

  if (self->damage->len >= MAX_DAMAGE_RECTS)
    {
      ObFramebufferRect box = { self->bx0, self->by0, self->bx1 - self->bx0, self->by1 - self->by0 };

      g_array_set_size (self->damage, 0);
      g_array_append_val (self->damage, box);
      return;
    }
  g_array_append_val (self->damage, r);
}

gboolean
ob_framebuffer_has_damage (ObFramebuffer *self)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), FALSE);
  return self->damage->len > 0;
}

const ObFramebufferRect *
ob_framebuffer_get_damage (ObFramebuffer *self,
                           guint         *n_rects)
{
  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), NULL);

  if (n_rects != NULL)
    *n_rects = self->damage->len;
  return (const ObFramebufferRect *) (gpointer) self->damage->data;
}

void
ob_framebuffer_flush_damage (ObFramebuffer *self)
{
  g_return_if_fail (OB_IS_FRAMEBUFFER (self));

  if (self->damage->len == 0)
    return;
  g_signal_emit (self, signals[SIGNAL_DAMAGED], 0,
                 self->bx0, self->by0, self->bx1 - self->bx0, self->by1 - self->by0);
  g_array_set_size (self->damage, 0);
}

GBytes *
ob_framebuffer_copy_region (ObFramebuffer *self,
                            guint          x,
                            guint          y,
                            guint          width,
                            guint          height)
{
  guint32 *out;

  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), NULL);

  if (width == 0 || height == 0 || x >= self->width || y >= self->height
      || width > self->width - x || height > self->height - y)
    return NULL;

  out = g_new (guint32, (gsize) width * height);
  for (guint row = 0; row < height; row++)
    memcpy (out + (gsize) row * width, self->pixels + (gsize) (y + row) * self->width + x, (gsize) width * 4);
  return g_bytes_new_take (out, (gsize) width * height * 4);
}

gboolean
ob_framebuffer_save_ppm (ObFramebuffer *self,
                         const char    *path,
                         GError       **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autofree char *header = NULL;

  g_return_val_if_fail (OB_IS_FRAMEBUFFER (self), FALSE);

  header = g_strdup_printf ("P6\n%u %u\n255\n", self->width, self->height);
  g_byte_array_append (out, (const guint8 *) header, (guint) strlen (header));
  for (gsize i = 0; i < (gsize) self->width * self->height; i++)
    {
      guint32 p = self->pixels[i];
      guint8 rgb[3] = { (p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF };

      g_byte_array_append (out, rgb, 3);
    }
  return g_file_set_contents (path, (const char *) out->data, out->len, error);
}
