/* ob-sim-rfb-server.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <zlib.h>

#include "ob-sim-error.h"
#include "ob-sim-rfb-server.h"

#define READ_CHUNK          (64 * 1024)
/* ClientCutText longer than this is abuse (KvmDataChannel JSON is tiny). */
#define MAX_CUT_TEXT        (1024 * 1024)
#define MAX_ENCODINGS       1024
#define ENCODING_RAW        0
#define ENCODING_ZRLE       16
#define ENCODING_DESKTOP_SIZE (-223)
#define ENCODING_KVM_DATA_CHANNEL 1092
#define ZRLE_LEVEL          6

static const char kvm_ext_cmd[11] = { 0, 'K', 'v', 'm', 'E', 'x', 't', 'C', 'm', 'd', 0 };
static const char kvm_data_channel[16] = { 0, 'K', 'v', 'm', 'D', 'a', 't', 'a',
                                           'C', 'h', 'a', 'n', 'n', 'e', 'l', 0 };

typedef enum
{
  STATE_VERSION,        /* greeting sent, waiting for the viewer's version */
  STATE_SECURITY,       /* type list sent, waiting for the choice */
  STATE_CLIENT_INIT,
  STATE_NORMAL,
} State;

typedef struct
{
  guint8   bpp;
  guint8   depth;
  gboolean big_endian;
  gboolean grey;        /* AMT's grey formats: the value is a level */
  guint16  max[3];      /* red, green, blue */
  guint8   shift[3];
} Format;

typedef struct _Connection Connection;

struct _ObSimRfbServer
{
  GObject         parent_instance;

  ObSimScreen    *screen;
  GSocketService *service;
  guint           port;
  gboolean        input_enabled;
  gboolean        amt_formats;
  guint           idle_timeout_ms;
  GHashTable     *connections;  /* Connection* -> itself, one ref each */
  GMainContext   *context;

  guint64         n_updates;
  guint64         n_rects;
  guint64         bytes_sent;
};

G_DEFINE_FINAL_TYPE (ObSimRfbServer, ob_sim_rfb_server, G_TYPE_OBJECT)

enum
{
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _Connection
{
  gatomicrefcount  ref_count;
  ObSimRfbServer  *server;           /* NULL once closed */
  GIOStream       *stream;
  GCancellable    *cancellable;
  GByteArray      *in;
  guint8          *read_buffer;
  GQueue           out;              /* GBytes waiting to be written */
  gboolean         writing;
  gboolean         close_after_flush;

  State            state;
  guint            minor;            /* 3, 7 or 8 */
  Format           format;
  gboolean         zrle;
  gboolean         desktop_size;
  gboolean         data_channel;
  gboolean         data_channel_announced;
  gboolean         bell_sent;

  z_stream         zs;
  gboolean         zs_ready;
  int              zs_level;
  int              zs_wanted_level;

  guint64         *sent_serials;     /* per tile: screen serial last sent */
  guint            tiles_x;
  guint            tiles_y;
  guint            size_serial;

  gboolean         request_pending;
  gboolean         request_incremental;
  guint            req_x, req_y, req_w, req_h;
  gboolean         updating;         /* inside maybe_send_update() */
  GSource         *tick;
  GSource         *idle;             /* ends a connection that went quiet */
  gulong           changed_id;
};

static void maybe_send_update (Connection *conn);
static void put_pixel         (GByteArray   *out,
                               const Format *format,
                               guint32       value);
static void start_read        (Connection *conn);

/* ---- Connection lifetime -------------------------------------------------- */

static Connection *
connection_ref (Connection *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
connection_unref (Connection *conn)
{
  if (!g_atomic_ref_count_dec (&conn->ref_count))
    return;
  g_assert (conn->tick == NULL);
  g_assert (conn->idle == NULL);
  if (conn->zs_ready)
    deflateEnd (&conn->zs);
  g_queue_clear_full (&conn->out, (GDestroyNotify) g_bytes_unref);
  /* Closed only now: no read or write is pending any more. */
  if (!g_io_stream_is_closed (conn->stream))
    g_io_stream_close_async (conn->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&conn->stream);
  g_clear_object (&conn->cancellable);
  g_byte_array_unref (conn->in);
  g_free (conn->read_buffer);
  g_free (conn->sent_serials);
  g_free (conn);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Connection, connection_unref)

static void
clear_tick (Connection *conn)
{
  if (conn->tick != NULL)
    {
      g_source_destroy (conn->tick);
      g_clear_pointer (&conn->tick, g_source_unref);
    }
}

static void
clear_idle (Connection *conn)
{
  if (conn->idle != NULL)
    {
      g_source_destroy (conn->idle);
      g_clear_pointer (&conn->idle, g_source_unref);
    }
}

static void
connection_close (Connection *conn,
                  const char *why)
{
  ObSimRfbServer *server = conn->server;
  g_autoptr(GIOStream) stream = NULL;

  if (server == NULL)
    return;
  conn->server = NULL;
  if (why != NULL)
    g_debug ("RFB viewer dropped: %s", why);

  clear_tick (conn);
  clear_idle (conn);
  g_clear_signal_handler (&conn->changed_id, server->screen);
  g_cancellable_cancel (conn->cancellable);
  stream = g_object_ref (conn->stream);
  /* A socket goes down at once so the peer sees the end now; other
   * streams close when the cancelled operations have returned. */
  if (G_IS_SOCKET_CONNECTION (stream))
    g_socket_shutdown (g_socket_connection_get_socket (G_SOCKET_CONNECTION (stream)), TRUE, TRUE, NULL);

  g_object_ref (server);
  g_hash_table_remove (server->connections, conn);
  g_signal_emit (server, signals[SIGNAL_CLOSED], 0, stream);
  g_object_unref (server);
}

/* ---- Output ---------------------------------------------------------------- */

static void write_next (Connection *conn);

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Connection) conn = user_data;
  g_autoptr(GError) error = NULL;
  gsize written = 0;

  conn->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, &written, &error))
    {
      connection_close (conn, error->message);
      return;
    }
  if (conn->server == NULL)
    return;
  conn->server->bytes_sent += written;
  g_bytes_unref (g_queue_pop_head (&conn->out));
  if (!g_queue_is_empty (&conn->out))
    {
      write_next (conn);
      return;
    }
  if (conn->close_after_flush)
    {
      connection_close (conn, NULL);
      return;
    }
  maybe_send_update (conn);
}

static void
write_next (Connection *conn)
{
  GBytes *bytes = g_queue_peek_head (&conn->out);
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  conn->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (conn->stream), data, size,
                                   G_PRIORITY_DEFAULT, conn->cancellable, on_written,
                                   connection_ref (conn));
}

static void
send_bytes (Connection *conn,
            GBytes     *bytes)
{
  g_queue_push_tail (&conn->out, bytes);
  if (!conn->writing)
    write_next (conn);
}

static void
send_data (Connection *conn,
           const void *data,
           gsize       size)
{
  send_bytes (conn, g_bytes_new (data, size));
}

static void
put_u16 (GByteArray *out,
         guint       value)
{
  guint8 be[2] = { (guint8) (value >> 8), (guint8) value };

  g_byte_array_append (out, be, 2);
}

static void
put_u32 (GByteArray *out,
         guint32     value)
{
  guint8 be[4] = { (guint8) (value >> 24), (guint8) (value >> 16), (guint8) (value >> 8), (guint8) value };

  g_byte_array_append (out, be, 4);
}

static void
put_u8 (GByteArray *out,
        guint8      value)
{
  g_byte_array_append (out, &value, 1);
}

static guint16
get_u16 (const guint8 *p)
{
  return (guint16) ((p[0] << 8) | p[1]);
}

static guint32
get_u32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* ---- Pixel formats ------------------------------------------------------------- */

static void
format_rgb565 (Format *format)
{
  *format = (Format) { 16, 16, FALSE, FALSE, { 31, 63, 31 }, { 11, 5, 0 } };
}

/* What plain VNC servers announce: 32 bpp, 8 bits a channel, red in the
 * lowest byte. */
static void
format_rgb888 (Format *format)
{
  *format = (Format) { 32, 24, FALSE, FALSE, { 255, 255, 255 }, { 0, 8, 16 } };
}

static guint
bit_length (guint value)
{
  guint n = 0;

  while (value != 0)
    {
      n++;
      value >>= 1;
    }
  return n;
}

/* Any true-colour format of 8, 16 or 32 bits whose channels fit. */
static gboolean
parse_any_format (const guint8 *p,
                  Format       *format)
{
  *format = (Format) { p[0], p[1], p[2] != 0, FALSE,
                       { get_u16 (p + 4), get_u16 (p + 6), get_u16 (p + 8) },
                       { p[10], p[11], p[12] } };
  if (!p[3] || (format->bpp != 8 && format->bpp != 16 && format->bpp != 32)
      || format->depth == 0 || format->depth > format->bpp)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    if (format->max[i] == 0 || format->max[i] > 255
        || format->shift[i] + bit_length (format->max[i]) > format->bpp)
      return FALSE;
  return TRUE;
}

static void
put_format (GByteArray   *out,
            const Format *format)
{
  static const guint8 pad[3] = { 0 };

  put_u8 (out, format->bpp);
  put_u8 (out, format->depth);
  put_u8 (out, format->big_endian);
  put_u8 (out, 1);
  for (guint i = 0; i < 3; i++)
    put_u16 (out, format->max[i]);
  for (guint i = 0; i < 3; i++)
    put_u8 (out, format->shift[i]);
  g_byte_array_append (out, pad, 3);
}

/* The formats of redirection-kvm-sol.md §2.2; FALSE for anything else. */
static gboolean
parse_format (const guint8 *p,
              Format       *format)
{
  guint8 bpp = p[0], depth = p[1], true_colour = p[3];
  guint16 rmax = get_u16 (p + 4), gmax = get_u16 (p + 6), bmax = get_u16 (p + 8);
  guint8 rs = p[10], gs = p[11], bs = p[12];

  if (!true_colour)
    return FALSE;
  *format = (Format) { bpp, depth, p[2] != 0, FALSE, { rmax, gmax, bmax }, { rs, gs, bs } };
  if (bpp == 16 && depth == 16 && rmax == 31 && gmax == 63 && bmax == 31
      && rs == 11 && gs == 5 && bs == 0)
    return TRUE;
  if (bpp == 8 && depth == 8 && rmax == 7 && gmax == 7 && bmax == 3
      && rs == 5 && gs == 2 && bs == 0)
    return TRUE;
  if (bpp == 8 && ((depth == 8 && rmax == 255) || (depth == 4 && rmax == 15))
      && gmax == 0 && bmax == 0 && rs == 0 && gs == 0 && bs == 0)
    {
      format->grey = TRUE;
      return TRUE;
    }
  return FALSE;
}

static guint32
convert (const Format *format,
         guint32       rgb)
{
  guint r = (rgb >> 16) & 0xFF, g = (rgb >> 8) & 0xFF, b = rgb & 0xFF;

  if (format->grey)
    {
      /* ITU-R BT.601 luma, then scaled to the level range. */
      guint y = (r * 299 + g * 587 + b * 114 + 500) / 1000;

      return (y * format->max[0] + 127) / 255;
    }
  return ((r * format->max[0] + 127) / 255) << format->shift[0]
       | ((g * format->max[1] + 127) / 255) << format->shift[1]
       | ((b * format->max[2] + 127) / 255) << format->shift[2];
}

static guint
bytes_per_pixel (const Format *format)
{
  return format->bpp / 8;
}

/* ZRLE's compressed pixel (RFC 6143 §7.7.6): three bytes for 32 bpp
 * formats of depth 24 or less whose channels all sit in the low or the
 * high three bytes. */
static guint32
channel_bits (const Format *format)
{
  guint32 bits = 0;

  for (guint i = 0; i < 3; i++)
    bits |= (guint32) format->max[i] << format->shift[i];
  return bits;
}

static guint
cpixel_size (const Format *format)
{
  guint32 bits = channel_bits (format);

  if (format->bpp == 32 && format->depth <= 24 && ((bits & 0xFF000000u) == 0 || (bits & 0xFFu) == 0))
    return 3;
  return bytes_per_pixel (format);
}

static void
put_cpixel (GByteArray   *out,
            const Format *format,
            guint32       value)
{
  guint8 bytes[3];
  gboolean low;

  if (cpixel_size (format) != 3)
    {
      put_pixel (out, format, value);
      return;
    }
  low = (channel_bits (format) & 0xFF000000u) == 0;
  if (!low)
    value >>= 8;
  if (format->big_endian)
    {
      bytes[0] = (guint8) (value >> 16);
      bytes[1] = (guint8) (value >> 8);
      bytes[2] = (guint8) value;
    }
  else
    {
      bytes[0] = (guint8) value;
      bytes[1] = (guint8) (value >> 8);
      bytes[2] = (guint8) (value >> 16);
    }
  g_byte_array_append (out, bytes, 3);
}

static void
put_pixel (GByteArray   *out,
           const Format *format,
           guint32       value)
{
  guint8 bytes[4];
  guint n = bytes_per_pixel (format);

  for (guint i = 0; i < n; i++)
    {
      guint shift = format->big_endian ? (n - 1 - i) * 8 : i * 8;

      bytes[i] = (guint8) (value >> shift);
    }
  g_byte_array_append (out, bytes, n);
}

/* ---- ZRLE ------------------------------------------------------------------------ */

/* Up to 127 colours in a small open-addressing table. */
#define PALETTE_SLOTS 256
#define MAX_PALETTE   127

typedef struct
{
  guint32 colours[MAX_PALETTE];
  guint   n;
  guint32 slot_value[PALETTE_SLOTS];
  guint8  slot_index[PALETTE_SLOTS];   /* index + 1, 0 = empty */
} Palette;

/* Index of @value, adding it; -1 once the palette would pass 127. */
static int
palette_index (Palette *palette,
               guint32  value)
{
  guint slot = (value * 2654435761u) >> 24;

  for (;;)
    {
      if (palette->slot_index[slot] == 0)
        {
          if (palette->n == MAX_PALETTE)
            return -1;
          palette->colours[palette->n] = value;
          palette->slot_value[slot] = value;
          palette->slot_index[slot] = (guint8) (++palette->n);
          return (int) palette->n - 1;
        }
      if (palette->slot_value[slot] == value)
        return palette->slot_index[slot] - 1;
      slot = (slot + 1) % PALETTE_SLOTS;
    }
}

static gsize
run_bytes (guint run)
{
  return (run - 1) / 255 + 1;
}

static void
put_run (GByteArray *out,
         guint       run)
{
  guint rest = run - 1;

  while (rest >= 255)
    {
      put_u8 (out, 255);
      rest -= 255;
    }
  put_u8 (out, (guint8) rest);
}

/* One tile's ZRLE data (before deflate): the cheapest of solid, packed
 * palette, palette RLE, plain RLE and raw.  Packed palette only where rows
 * end on a byte boundary, so decoders that forget the row padding of
 * RFC 6143 §7.7.6 still agree (redirection-kvm-sol.md §2.3). */
static void
encode_tile (const Format *format,
             const guint32 *px,
             guint          w,
             guint          h,
             GByteArray    *out)
{
  guint n = w * h;
  guint cp = cpixel_size (format);
  Palette palette = { 0 };
  guint8 indices[64 * 64];
  gboolean palette_ok = TRUE;
  gsize runs = 0, plain_rle = 0, palette_rle = 0, raw = (gsize) n * cp;
  gsize packed = G_MAXSIZE, best;
  guint bits = 0;

  for (guint i = 0; i < n && palette_ok; i++)
    {
      int index;

      if (i > 0 && px[i] == px[i - 1])
        {
          indices[i] = indices[i - 1];
          continue;
        }
      index = palette_index (&palette, px[i]);
      if (index < 0)
        palette_ok = FALSE;
      else
        indices[i] = (guint8) index;
    }
  for (guint i = 0; i < n;)
    {
      guint run = 1;

      while (i + run < n && px[i + run] == px[i])
        run++;
      runs++;
      plain_rle += cp + run_bytes (run);
      palette_rle += run == 1 ? 1 : 1 + run_bytes (run);
      i += run;
    }

  if (palette_ok && palette.n == 1)
    {
      put_u8 (out, 1);
      put_cpixel (out, format, px[0]);
      return;
    }
  if (palette_ok)
    {
      palette_rle += (gsize) palette.n * cp;
      if (palette.n <= 16)
        {
          bits = palette.n <= 2 ? 1 : palette.n <= 4 ? 2 : 4;
          if ((w * bits) % 8 == 0)
            packed = (gsize) palette.n * cp + (gsize) h * (w * bits / 8);
        }
    }
  else
    palette_rle = G_MAXSIZE;

  best = MIN (MIN (raw, plain_rle), MIN (palette_rle, packed));
  if (best == packed)
    {
      put_u8 (out, (guint8) palette.n);
      for (guint i = 0; i < palette.n; i++)
        put_cpixel (out, format, palette.colours[i]);
      for (guint y = 0; y < h; y++)
        {
          guint8 byte = 0;
          guint used = 0;

          for (guint x = 0; x < w; x++)
            {
              byte = (guint8) ((byte << bits) | indices[y * w + x]);
              used += bits;
              if (used == 8)
                {
                  put_u8 (out, byte);
                  byte = 0;
                  used = 0;
                }
            }
        }
    }
  else if (best == palette_rle)
    {
      put_u8 (out, (guint8) (128 + palette.n));
      for (guint i = 0; i < palette.n; i++)
        put_cpixel (out, format, palette.colours[i]);
      for (guint i = 0; i < n;)
        {
          guint run = 1;

          while (i + run < n && px[i + run] == px[i])
            run++;
          if (run == 1)
            put_u8 (out, indices[i]);
          else
            {
              put_u8 (out, (guint8) (indices[i] | 0x80));
              put_run (out, run);
            }
          i += run;
        }
    }
  else if (best == plain_rle)
    {
      put_u8 (out, 128);
      for (guint i = 0; i < n;)
        {
          guint run = 1;

          while (i + run < n && px[i + run] == px[i])
            run++;
          put_cpixel (out, format, px[i]);
          put_run (out, run);
          i += run;
        }
    }
  else
    {
      put_u8 (out, 0);
      for (guint i = 0; i < n; i++)
        put_cpixel (out, format, px[i]);
    }
}

/* Deflate @data onto @out through the connection's stream, ending with a
 * sync flush. */
static gboolean
deflate_onto (Connection   *conn,
              const guint8 *data,
              gsize         size,
              GByteArray   *out)
{
  guint8 chunk[16384];

  if (!conn->zs_ready)
    {
      memset (&conn->zs, 0, sizeof conn->zs);
      if (deflateInit (&conn->zs, conn->zs_wanted_level) != Z_OK)
        return FALSE;
      conn->zs_ready = TRUE;
      conn->zs_level = conn->zs_wanted_level;
    }
  if (conn->zs_level != conn->zs_wanted_level)
    {
      int ret;

      do
        {
          conn->zs.next_in = NULL;
          conn->zs.avail_in = 0;
          conn->zs.next_out = chunk;
          conn->zs.avail_out = sizeof chunk;
          ret = deflateParams (&conn->zs, conn->zs_wanted_level, Z_DEFAULT_STRATEGY);
          g_byte_array_append (out, chunk, sizeof chunk - conn->zs.avail_out);
        }
      while (ret == Z_BUF_ERROR && conn->zs.avail_out == 0);
      if (ret != Z_OK && ret != Z_BUF_ERROR)
        return FALSE;
      conn->zs_level = conn->zs_wanted_level;
    }

  conn->zs.next_in = (Bytef *) data;
  conn->zs.avail_in = (uInt) size;
  do
    {
      conn->zs.next_out = chunk;
      conn->zs.avail_out = sizeof chunk;
      if (deflate (&conn->zs, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
        return FALSE;
      g_byte_array_append (out, chunk, sizeof chunk - conn->zs.avail_out);
    }
  while (conn->zs.avail_out == 0);
  return conn->zs.avail_in == 0;
}

/* ---- Updates ------------------------------------------------------------------------ */

static void
reset_tiles (Connection  *conn,
             ObSimScreen *screen)
{
  conn->tiles_x = ob_sim_screen_get_tiles_x (screen);
  conn->tiles_y = ob_sim_screen_get_tiles_y (screen);
  conn->size_serial = ob_sim_screen_get_size_serial (screen);
  g_free (conn->sent_serials);
  conn->sent_serials = g_new0 (guint64, (gsize) conn->tiles_x * conn->tiles_y);
}

static gboolean
frame_fits (const Format *format,
            ObSimScreen  *screen)
{
  return (guint64) bytes_per_pixel (format) * ob_sim_screen_get_width (screen)
         * ob_sim_screen_get_height (screen) <= OB_SIM_RFB_MAX_FRAME_BYTES;
}

static gboolean
on_tick (gpointer user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->tick, g_source_unref);
  maybe_send_update (conn);
  return G_SOURCE_REMOVE;
}

static void
on_screen_changed (ObSimScreen *screen,
                   gpointer     user_data)
{
  Connection *conn = user_data;

  if (!conn->updating)
    maybe_send_update (conn);
}

/* Wait for the next second on the screen's clock (if it has one). */
static void
arm_tick (Connection  *conn,
          ObSimScreen *screen)
{
  gint64 wait_us = ob_sim_screen_get_next_tick_us (screen);

  if (conn->tick != NULL || wait_us < 0)
    return;
  conn->tick = g_timeout_source_new ((guint) (wait_us / 1000) + 1);
  g_source_set_callback (conn->tick, on_tick, conn, NULL);
  g_source_attach (conn->tick, conn->server->context);
}

static void
send_update (Connection  *conn,
             ObSimScreen *screen,
             GArray      *tiles)
{
  ObSimRfbServer *server = conn->server;
  guint width = ob_sim_screen_get_width (screen);
  guint height = ob_sim_screen_get_height (screen);
  const guint32 *pixels = ob_sim_screen_get_pixels (screen);
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(GByteArray) tile = g_byte_array_new ();
  g_autofree guint32 *converted = g_new (guint32, 64 * 64);
  guint32 last_in = 0, last_out = convert (&conn->format, 0);

  put_u8 (out, 0);
  put_u8 (out, 0);
  put_u16 (out, tiles->len);
  for (guint i = 0; i < tiles->len; i++)
    {
      guint index = g_array_index (tiles, guint, i);
      guint tx = index % conn->tiles_x, ty = index / conn->tiles_x;
      guint x0 = tx * OB_SIM_SCREEN_TILE, y0 = ty * OB_SIM_SCREEN_TILE;
      guint w = MIN (OB_SIM_SCREEN_TILE, width - x0), h = MIN (OB_SIM_SCREEN_TILE, height - y0);

      for (guint y = 0; y < h; y++)
        {
          const guint32 *row = pixels + (gsize) (y0 + y) * width + x0;
          guint32 *dst = converted + y * w;

          /* Screens are mostly runs of one colour: convert each run once. */
          for (guint x = 0; x < w; x++)
            {
              if (row[x] != last_in)
                {
                  last_in = row[x];
                  last_out = convert (&conn->format, last_in);
                }
              dst[x] = last_out;
            }
        }

      put_u16 (out, x0);
      put_u16 (out, y0);
      put_u16 (out, w);
      put_u16 (out, h);
      if (conn->zrle)
        {
          guint length_at;

          put_u32 (out, ENCODING_ZRLE);
          length_at = out->len;
          put_u32 (out, 0);
          g_byte_array_set_size (tile, 0);
          encode_tile (&conn->format, converted, w, h, tile);
          if (!deflate_onto (conn, tile->data, tile->len, out))
            {
              connection_close (conn, "deflate failed");
              return;
            }
          {
            guint32 length = out->len - length_at - 4;

            out->data[length_at] = (guint8) (length >> 24);
            out->data[length_at + 1] = (guint8) (length >> 16);
            out->data[length_at + 2] = (guint8) (length >> 8);
            out->data[length_at + 3] = (guint8) length;
          }
        }
      else
        {
          put_u32 (out, ENCODING_RAW);
          for (guint p = 0; p < w * h; p++)
            put_pixel (out, &conn->format, converted[p]);
        }
      conn->sent_serials[index] = ob_sim_screen_tile_serial (screen, tx, ty);
    }
  server->n_updates++;
  server->n_rects += tiles->len;
  send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
}

static void
maybe_send_update (Connection *conn)
{
  ObSimRfbServer *server = conn->server;
  ObSimScreen *screen;
  g_autoptr(GArray) tiles = NULL;
  guint tx0, ty0, tx1, ty1;

  if (server == NULL || conn->state != STATE_NORMAL || !conn->request_pending
      || conn->writing || conn->updating)
    return;
  screen = server->screen;

  conn->updating = TRUE;
  ob_sim_screen_refresh (screen);
  conn->updating = FALSE;

  if (conn->size_serial != ob_sim_screen_get_size_serial (screen))
    {
      g_autoptr(GByteArray) out = g_byte_array_new ();

      if (!conn->desktop_size)
        {
          connection_close (conn, "screen resized and the viewer takes no DesktopSize");
          return;
        }
      if (!frame_fits (&conn->format, screen))
        {
          connection_close (conn, "resized frame passes the KVM capture buffer");
          return;
        }
      reset_tiles (conn, screen);
      put_u8 (out, 0);
      put_u8 (out, 0);
      put_u16 (out, 1);
      put_u16 (out, 0);
      put_u16 (out, 0);
      put_u16 (out, ob_sim_screen_get_width (screen));
      put_u16 (out, ob_sim_screen_get_height (screen));
      put_u32 (out, (guint32) ENCODING_DESKTOP_SIZE);
      conn->request_pending = FALSE;
      server->n_updates++;
      send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
      return;
    }

  tx0 = conn->req_x / OB_SIM_SCREEN_TILE;
  ty0 = conn->req_y / OB_SIM_SCREEN_TILE;
  tx1 = (conn->req_x + conn->req_w + OB_SIM_SCREEN_TILE - 1) / OB_SIM_SCREEN_TILE;
  ty1 = (conn->req_y + conn->req_h + OB_SIM_SCREEN_TILE - 1) / OB_SIM_SCREEN_TILE;
  tx1 = MIN (tx1, conn->tiles_x);
  ty1 = MIN (ty1, conn->tiles_y);
  tiles = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint ty = ty0; ty < ty1; ty++)
    for (guint tx = tx0; tx < tx1; tx++)
      {
        guint index = ty * conn->tiles_x + tx;

        if (!conn->request_incremental
            || ob_sim_screen_tile_serial (screen, tx, ty) > conn->sent_serials[index])
          g_array_append_val (tiles, index);
      }

  if (tiles->len == 0 && conn->request_incremental && conn->req_w > 0 && conn->req_h > 0)
    {
      arm_tick (conn, screen);
      return;
    }
  clear_tick (conn);
  conn->request_pending = FALSE;
  {
    gint64 started = g_get_monotonic_time ();
    gboolean incremental = conn->request_incremental;

    /* May close the connection (and free it): nothing of it after. */
    send_update (conn, screen, tiles);
    g_debug ("RFB update: %u tiles (%s, screen serial %" G_GUINT64_FORMAT ") encoded in %" G_GINT64_FORMAT " µs",
             tiles->len, incremental ? "incremental" : "full",
             ob_sim_screen_get_serial (screen), g_get_monotonic_time () - started);
  }
}

/* ---- Client messages --------------------------------------------------------------- */

static void
send_ext_reply (Connection *conn,
                guint8      command,
                guint8      value)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  put_u8 (out, 3);
  put_u8 (out, 0);
  put_u16 (out, 0);
  put_u32 (out, sizeof kvm_ext_cmd + 2);
  g_byte_array_append (out, (const guint8 *) kvm_ext_cmd, sizeof kvm_ext_cmd);
  put_u8 (out, command);
  put_u8 (out, value);
  send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
}

/* ClientCutText: Intel's KvmExtCmd (decimation and zlib switches) is
 * answered; anything else (clipboard, KvmDataChannel) is dropped. */
static void
handle_cut_text (Connection   *conn,
                 const guint8 *text,
                 guint32       length)
{
  if (length < sizeof kvm_ext_cmd + 1 || memcmp (text, kvm_ext_cmd, sizeof kvm_ext_cmd) != 0)
    return;
  switch (text[sizeof kvm_ext_cmd])
    {
    case 1:   /* get decimation: 1 = disabled (no Iris Xe here) */
      send_ext_reply (conn, 1, 1);
      break;
    case 2:   /* set decimation: acknowledged, still disabled */
      send_ext_reply (conn, 2, 0);
      break;
    case 3:   /* get zlib state */
      send_ext_reply (conn, 3, conn->zs_wanted_level != 0);
      break;
    case 4:   /* set zlib: 0 = stored blocks, 1 = compress */
      if (length >= sizeof kvm_ext_cmd + 2)
        conn->zs_wanted_level = text[sizeof kvm_ext_cmd + 1] != 0 ? ZRLE_LEVEL : 0;
      send_ext_reply (conn, 4, 0);
      break;
    default:
      break;
    }
}

/* One message at @p (@avail bytes): its size, 0 if incomplete, -1 if
 * malformed (with *@why). */
static gssize
handle_normal (Connection    *conn,
               const guint8  *p,
               gsize          avail,
               const char   **why)
{
  ObSimRfbServer *server = conn->server;

  switch (p[0])
    {
    case 0:   /* SetPixelFormat */
      {
        Format format;

        if (avail < 20)
          return 0;
        if (server->amt_formats ? !parse_format (p + 4, &format) : !parse_any_format (p + 4, &format))
          {
            *why = "pixel format AMT does not take";
            return -1;
          }
        if (!frame_fits (&format, server->screen))
          {
            *why = "frame passes the KVM capture buffer";
            return -1;
          }
        conn->format = format;
        /* Everything the viewer has is in the old format. */
        memset (conn->sent_serials, 0, sizeof (guint64) * conn->tiles_x * conn->tiles_y);
        return 20;
      }
    case 2:   /* SetEncodings */
      {
        guint n;

        if (avail < 4)
          return 0;
        n = get_u16 (p + 2);
        if (n > MAX_ENCODINGS)
          {
            *why = "too many encodings";
            return -1;
          }
        if (avail < 4 + (gsize) n * 4)
          return 0;
        conn->zrle = FALSE;
        conn->desktop_size = FALSE;
        conn->data_channel = FALSE;
        for (guint i = 0; i < n; i++)
          {
            gint32 encoding = (gint32) get_u32 (p + 4 + i * 4);

            if (encoding == ENCODING_ZRLE)
              conn->zrle = TRUE;
            else if (encoding == ENCODING_DESKTOP_SIZE)
              conn->desktop_size = TRUE;
            else if (encoding == ENCODING_KVM_DATA_CHANNEL)
              conn->data_channel = TRUE;
          }
        if (conn->data_channel && !conn->data_channel_announced)
          {
            g_autoptr(GByteArray) out = g_byte_array_new ();

            put_u8 (out, 3);
            put_u8 (out, 0);
            put_u16 (out, 0);
            put_u32 (out, sizeof kvm_data_channel);
            g_byte_array_append (out, (const guint8 *) kvm_data_channel, sizeof kvm_data_channel);
            send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
            conn->data_channel_announced = TRUE;
          }
        return 4 + (gssize) n * 4;
      }
    case 3:   /* FramebufferUpdateRequest */
      {
        guint width = ob_sim_screen_get_width (server->screen);
        guint height = ob_sim_screen_get_height (server->screen);
        guint x, y, w, h;

        if (avail < 10)
          return 0;
        x = get_u16 (p + 2);
        y = get_u16 (p + 4);
        w = get_u16 (p + 6);
        h = get_u16 (p + 8);
        /* Clipped to the screen (a viewer may still have the old size). */
        x = MIN (x, width);
        y = MIN (y, height);
        conn->req_x = x;
        conn->req_y = y;
        conn->req_w = MIN (w, width - x);
        conn->req_h = MIN (h, height - y);
        /* A later request replaces an unanswered one, but a full request
         * stays full. */
        conn->request_incremental = p[1] != 0 && (!conn->request_pending || conn->request_incremental);
        conn->request_pending = TRUE;
        if (!conn->bell_sent)
          {
            static const guint8 bell = 2;

            /* AMT rings once at the first request (MeshCommander #91). */
            send_data (conn, &bell, 1);
            conn->bell_sent = TRUE;
          }
        return 10;
      }
    case 4:   /* KeyEvent */
      if (avail < 8)
        return 0;
      if (server->input_enabled)
        ob_sim_screen_key (server->screen, get_u32 (p + 4), p[1] != 0);
      return 8;
    case 5:   /* PointerEvent */
      if (avail < 6)
        return 0;
      if (server->input_enabled)
        ob_sim_screen_pointer (server->screen, p[1], get_u16 (p + 2), get_u16 (p + 4));
      return 6;
    case 6:   /* ClientCutText */
      {
        guint32 length;

        if (avail < 8)
          return 0;
        length = get_u32 (p + 4);
        if (length > MAX_CUT_TEXT)
          {
            *why = "cut text too long";
            return -1;
          }
        if (avail < 8 + (gsize) length)
          return 0;
        handle_cut_text (conn, p + 8, length);
        return 8 + (gssize) length;
      }
    default:
      *why = "unknown client message type";
      return -1;
    }
}

static void
send_server_init (Connection *conn)
{
  ObSimScreen *screen = conn->server->screen;
  g_autoptr(GByteArray) out = g_byte_array_new ();

  ob_sim_screen_refresh (screen);
  reset_tiles (conn, screen);
  put_u16 (out, ob_sim_screen_get_width (screen));
  put_u16 (out, ob_sim_screen_get_height (screen));
  put_format (out, &conn->format);
  put_u32 (out, strlen (OB_SIM_RFB_DESKTOP_NAME));
  g_byte_array_append (out, (const guint8 *) OB_SIM_RFB_DESKTOP_NAME, strlen (OB_SIM_RFB_DESKTOP_NAME));
  send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
  conn->changed_id = g_signal_connect (screen, "changed", G_CALLBACK (on_screen_changed), conn);
}

/* Parse what has arrived; FALSE when the connection was closed. */
static gboolean
process_input (Connection *conn)
{
  gsize offset = 0;
  const char *why = NULL;

  while (conn->server != NULL && !conn->close_after_flush && offset < conn->in->len)
    {
      const guint8 *p = conn->in->data + offset;
      gsize avail = conn->in->len - offset;

      if (conn->state == STATE_VERSION)
        {
          guint major, minor;

          if (avail < 12)
            break;
          if (memcmp (p, "RFB ", 4) != 0 || p[7] != '.' || p[11] != '\n'
              || !g_ascii_isdigit (p[4]) || !g_ascii_isdigit (p[5]) || !g_ascii_isdigit (p[6])
              || !g_ascii_isdigit (p[8]) || !g_ascii_isdigit (p[9]) || !g_ascii_isdigit (p[10]))
            {
              why = "not an RFB version";
              break;
            }
          major = (p[4] - '0') * 100 + (p[5] - '0') * 10 + (p[6] - '0');
          minor = (p[8] - '0') * 100 + (p[9] - '0') * 10 + (p[10] - '0');
          offset += 12;
          if (major == 3 && minor >= 3 && minor < 7)
            conn->minor = 3;
          else if (major == 3 && minor == 7)
            conn->minor = 7;
          else if ((major == 3 && minor >= 8) || major == 4)
            conn->minor = 8;
          else
            {
              why = "RFB version not supported";
              break;
            }
          if (conn->minor == 3)
            {
              /* 3.3: the server names the type. */
              static const guint8 none[4] = { 0, 0, 0, 1 };

              send_data (conn, none, sizeof none);
              conn->state = STATE_CLIENT_INIT;
            }
          else
            {
              static const guint8 types[3] = { 2, 1, 128 };

              send_data (conn, types, sizeof types);
              conn->state = STATE_SECURITY;
            }
        }
      else if (conn->state == STATE_SECURITY)
        {
          offset += 1;
          if (p[0] != 1)
            {
              static const char reason[] = "Security type not supported";
              g_autoptr(GByteArray) out = g_byte_array_new ();

              if (conn->minor >= 8)
                {
                  put_u32 (out, 1);
                  put_u32 (out, sizeof reason - 1);
                  g_byte_array_append (out, (const guint8 *) reason, sizeof reason - 1);
                  send_bytes (conn, g_byte_array_free_to_bytes (g_steal_pointer (&out)));
                  conn->close_after_flush = TRUE;
                  break;
                }
              why = "security type not offered";
              break;
            }
          if (conn->minor >= 8)
            {
              static const guint8 ok[4] = { 0 };

              send_data (conn, ok, sizeof ok);
            }
          conn->state = STATE_CLIENT_INIT;
        }
      else if (conn->state == STATE_CLIENT_INIT)
        {
          offset += 1;   /* the shared flag: every viewer shares */
          send_server_init (conn);
          conn->state = STATE_NORMAL;
        }
      else
        {
          gssize used = handle_normal (conn, p, avail, &why);

          if (used < 0)
            break;
          if (used == 0)
            break;
          offset += (gsize) used;
        }
    }

  if (offset > 0 && conn->in->len > 0)
    g_byte_array_remove_range (conn->in, 0, MIN (offset, conn->in->len));
  if (why != NULL)
    {
      connection_close (conn, why);
      return FALSE;
    }
  if (conn->server == NULL)
    return FALSE;
  if (conn->in->len > MAX_CUT_TEXT + 16)
    {
      connection_close (conn, "input backlog");
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_idle_timeout (gpointer user_data)
{
  Connection *conn = user_data;

  g_clear_pointer (&conn->idle, g_source_unref);
  connection_close (conn, "idle timeout");
  return G_SOURCE_REMOVE;
}

/* The viewer said something: the idle time starts again. */
static void
restart_idle (Connection *conn)
{
  clear_idle (conn);
  if (conn->server == NULL || conn->server->idle_timeout_ms == 0)
    return;
  conn->idle = g_timeout_source_new (conn->server->idle_timeout_ms);
  g_source_set_callback (conn->idle, on_idle_timeout, conn, NULL);
  g_source_attach (conn->idle, conn->server->context);
}

static void
on_read (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(Connection) conn = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (conn->server == NULL)
    return;
  if (n <= 0)
    {
      connection_close (conn, n < 0 ? error->message : NULL);
      return;
    }
  g_byte_array_append (conn->in, conn->read_buffer, (guint) n);
  restart_idle (conn);
  if (!process_input (conn))
    return;
  maybe_send_update (conn);
  if (conn->server != NULL)
    start_read (conn);
}

static void
start_read (Connection *conn)
{
  g_input_stream_read_async (g_io_stream_get_input_stream (conn->stream), conn->read_buffer,
                             READ_CHUNK, G_PRIORITY_DEFAULT, conn->cancellable, on_read,
                             connection_ref (conn));
}

/* ---- Public API ------------------------------------------------------------------ */

ObSimRfbServer *
ob_sim_rfb_server_new (ObSimScreen *screen)
{
  ObSimRfbServer *self;

  g_return_val_if_fail (OB_IS_SIM_SCREEN (screen), NULL);

  self = g_object_new (OB_TYPE_SIM_RFB_SERVER, NULL);
  self->screen = g_object_ref (screen);
  return self;
}

ObSimScreen *
ob_sim_rfb_server_get_screen (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), NULL);
  return self->screen;
}

void
ob_sim_rfb_server_serve_stream (ObSimRfbServer *self,
                                GIOStream      *stream)
{
  static const char greeting[] = "RFB 004.000\n";
  Connection *conn;

  g_return_if_fail (OB_IS_SIM_RFB_SERVER (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));

  conn = g_new0 (Connection, 1);
  g_atomic_ref_count_init (&conn->ref_count);
  conn->server = self;
  conn->stream = g_object_ref (stream);
  conn->cancellable = g_cancellable_new ();
  conn->in = g_byte_array_new ();
  conn->read_buffer = g_malloc (READ_CHUNK);
  g_queue_init (&conn->out);
  conn->state = STATE_VERSION;
  conn->zs_wanted_level = ZRLE_LEVEL;
  if (self->amt_formats)
    format_rgb565 (&conn->format);
  else
    format_rgb888 (&conn->format);
  g_hash_table_add (self->connections, conn);

  send_data (conn, greeting, sizeof greeting - 1);
  restart_idle (conn);
  start_read (conn);
}

static gboolean
on_incoming (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ObSimRfbServer *self = user_data;

  g_socket_set_option (g_socket_connection_get_socket (connection), IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  ob_sim_rfb_server_serve_stream (self, G_IO_STREAM (connection));
  return TRUE;
}

gboolean
ob_sim_rfb_server_listen (ObSimRfbServer  *self,
                          const char      *address,
                          guint            port,
                          GError         **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (port > 65535)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT, "%u is not a TCP port", port);
      return FALSE;
    }
  if (self->service != NULL)
    {
      g_set_error_literal (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT, "Already listening");
      return FALSE;
    }
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, OB_SIM_ERROR, OB_SIM_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  self->service = g_socket_service_new ();
  socket_address = g_inet_socket_address_new (inet, (guint16) port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), socket_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                                      NULL, &effective, error))
    {
      g_clear_object (&self->service);
      return FALSE;
    }
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_signal_connect (self->service, "incoming", G_CALLBACK (on_incoming), self);
  g_socket_service_start (self->service);
  return TRUE;
}

guint
ob_sim_rfb_server_get_port (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), 0);
  return self->port;
}

void
ob_sim_rfb_server_set_input_enabled (ObSimRfbServer *self,
                                     gboolean        enabled)
{
  g_return_if_fail (OB_IS_SIM_RFB_SERVER (self));
  self->input_enabled = enabled;
}

void
ob_sim_rfb_server_set_amt_formats (ObSimRfbServer *self,
                                   gboolean        amt_formats)
{
  g_return_if_fail (OB_IS_SIM_RFB_SERVER (self));
  self->amt_formats = amt_formats;
}

void
ob_sim_rfb_server_set_idle_timeout_ms (ObSimRfbServer *self,
                                       guint           timeout_ms)
{
  g_return_if_fail (OB_IS_SIM_RFB_SERVER (self));
  self->idle_timeout_ms = timeout_ms;
}

void
ob_sim_rfb_server_stop (ObSimRfbServer *self)
{
  g_autoptr(GPtrArray) open = NULL;
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (OB_IS_SIM_RFB_SERVER (self));

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
      self->port = 0;
    }
  open = g_ptr_array_new_with_free_func ((GDestroyNotify) connection_unref);
  g_hash_table_iter_init (&iter, self->connections);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (open, connection_ref (key));
  for (guint i = 0; i < open->len; i++)
    connection_close (g_ptr_array_index (open, i), NULL);
}

guint
ob_sim_rfb_server_get_n_connections (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), 0);
  return g_hash_table_size (self->connections);
}

guint64
ob_sim_rfb_server_get_n_updates (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), 0);
  return self->n_updates;
}

guint64
ob_sim_rfb_server_get_n_rects (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), 0);
  return self->n_rects;
}

guint64
ob_sim_rfb_server_get_bytes_sent (ObSimRfbServer *self)
{
  g_return_val_if_fail (OB_IS_SIM_RFB_SERVER (self), 0);
  return self->bytes_sent;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ob_sim_rfb_server_dispose (GObject *object)
{
  ObSimRfbServer *self = OB_SIM_RFB_SERVER (object);

  if (self->connections != NULL)
    ob_sim_rfb_server_stop (self);
  g_clear_object (&self->screen);

  G_OBJECT_CLASS (ob_sim_rfb_server_parent_class)->dispose (object);
}

static void
ob_sim_rfb_server_finalize (GObject *object)
{
  ObSimRfbServer *self = OB_SIM_RFB_SERVER (object);

  g_hash_table_unref (self->connections);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (ob_sim_rfb_server_parent_class)->finalize (object);
}

static void
ob_sim_rfb_server_class_init (ObSimRfbServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_sim_rfb_server_dispose;
  object_class->finalize = ob_sim_rfb_server_finalize;

  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_IO_STREAM);
}

static void
ob_sim_rfb_server_init (ObSimRfbServer *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->input_enabled = TRUE;
  self->amt_formats = TRUE;
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                             (GDestroyNotify) connection_unref, NULL);
}
