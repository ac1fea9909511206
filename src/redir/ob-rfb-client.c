/* ob-rfb-client.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "ob-redir-error.h"
#include "ob-rfb-client.h"

#define READ_CHUNK          (64 * 1024)
#define HANDSHAKE_TIMEOUT_S 30

typedef enum
{
  STATE_NEW,
  STATE_VERSION,
  STATE_SECURITY_TYPES,   /* 3.7+: list; 3.3: the server's choice */
  STATE_SECURITY_RESULT,
  STATE_SERVER_INIT,
  STATE_RUNNING,
  STATE_CLOSED,
} State;

struct _ObRfbClient
{
  GObject           parent_instance;

  GIOStream        *stream;
  GCancellable     *cancellable;
  GMainContext     *context;
  State             state;

  GByteArray       *acc;           /* unconsumed input from acc_pos on */
  gsize             acc_pos;
  guint8           *chunk;

  GByteArray       *out;           /* queued output */
  gboolean          writing;
  gboolean          reading;
  gboolean          stream_closed;

  GTask            *connect_task;
  GCancellable     *connect_cancellable;   /* the caller's, while connecting */
  gulong            connect_cancel_id;
  GSource          *handshake_timeout;
  GSource          *depth_timeout;

  guint             server_major, server_minor;
  guint             used_minor;    /* 3, 7 or 8 */
  ObRfbPixelFormat  server_format;
  char             *desktop_name;

  ObFramebuffer    *fb;
  ObRfbDecoder     *decoder;
  ObRfbDepth        depth;
  ObRfbDepth        pending_depth;
  gboolean          depth_pending;
  gboolean          prefer_raw;
  guint             pipeline;
  guint             in_flight;
  gboolean          resized;
  /* The view has not drawn the last update yet: ask for no more. */
  gboolean          requests_held;
  GQueue            request_times; /* gint64 µs, one per request in flight */
  gint64            latency_avg;

  GArray           *pressed;       /* guint32 keysyms down */

  guint64           updates;
  guint64           bytes_received;
};

G_DEFINE_FINAL_TYPE (ObRfbClient, ob_rfb_client, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_CONNECTED,
  PROP_DESKTOP_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_UPDATE_DONE,
  SIGNAL_BELL,
  SIGNAL_SERVER_CUT_TEXT,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_read (ObRfbClient *self);
static void close_stream_when_idle (ObRfbClient *self);
static void fail (ObRfbClient *self, GError *error);

/* ---- object ------------------------------------------------------------- */

/* The caller's cancellable only applies to the handshake. */
static void
forget_connect_cancellable (ObRfbClient *self)
{
  if (self->connect_cancellable != NULL)
    {
      g_cancellable_disconnect (self->connect_cancellable, self->connect_cancel_id);
      self->connect_cancel_id = 0;
      g_clear_object (&self->connect_cancellable);
    }
}

static void
on_connect_cancelled (GCancellable *cancellable,
                      gpointer      user_data)
{
  /* Fails the pending read, which ends the handshake in our context. */
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

static void
ob_rfb_client_dispose (GObject *object)
{
  ObRfbClient *self = OB_RFB_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  forget_connect_cancellable (self);
  if (self->handshake_timeout != NULL)
    {
      g_source_destroy (self->handshake_timeout);
      g_clear_pointer (&self->handshake_timeout, g_source_unref);
    }
  if (self->depth_timeout != NULL)
    {
      g_source_destroy (self->depth_timeout);
      g_clear_pointer (&self->depth_timeout, g_source_unref);
    }
  g_clear_object (&self->connect_task);
  g_clear_object (&self->decoder);
  g_clear_object (&self->fb);
  g_clear_object (&self->stream);

  G_OBJECT_CLASS (ob_rfb_client_parent_class)->dispose (object);
}

static void
ob_rfb_client_finalize (GObject *object)
{
  ObRfbClient *self = OB_RFB_CLIENT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_byte_array_unref (self->acc);
  g_byte_array_unref (self->out);
  g_free (self->chunk);
  g_free (self->desktop_name);
  g_array_unref (self->pressed);
  g_queue_clear_full (&self->request_times, g_free);

  G_OBJECT_CLASS (ob_rfb_client_parent_class)->finalize (object);
}

static void
ob_rfb_client_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ObRfbClient *self = OB_RFB_CLIENT (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->state == STATE_RUNNING);
      break;
    case PROP_DESKTOP_NAME:
      g_value_set_string (value, self->desktop_name);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ob_rfb_client_class_init (ObRfbClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ob_rfb_client_dispose;
  object_class->finalize = ob_rfb_client_finalize;
  object_class->get_property = ob_rfb_client_get_property;

  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_DESKTOP_NAME] =
    g_param_spec_string ("desktop-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* ::update-done: a FramebufferUpdate was decoded and its damage
   * flushed. */
  signals[SIGNAL_UPDATE_DONE] =
    g_signal_new ("update-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_BELL] =
    g_signal_new ("bell", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* ::server-cut-text (text): ordinary clipboard text as UTF-8; Intel's
   * binary KvmExtCmd/KvmDataChannel messages are not emitted. */
  signals[SIGNAL_SERVER_CUT_TEXT] =
    g_signal_new ("server-cut-text", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* ::closed (error): the session is over; NULL after a local close. */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
ob_rfb_client_init (ObRfbClient *self)
{
  self->cancellable = g_cancellable_new ();
  self->acc = g_byte_array_new ();
  self->out = g_byte_array_new ();
  self->chunk = g_malloc (READ_CHUNK);
  self->pressed = g_array_new (FALSE, FALSE, sizeof (guint32));
  self->depth = OB_RFB_DEPTH_16;
  self->pipeline = 1;
  g_queue_init (&self->request_times);
}

ObRfbClient *
ob_rfb_client_new (GIOStream *stream,
                   GBytes    *leftover)
{
  ObRfbClient *self;

  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  self = g_object_new (OB_TYPE_RFB_CLIENT, NULL);
  self->stream = g_object_ref (stream);
  if (leftover != NULL && g_bytes_get_size (leftover) > 0)
    g_byte_array_append (self->acc, g_bytes_get_data (leftover, NULL), (guint) g_bytes_get_size (leftover));
  return self;
}

/* ---- accessors ---------------------------------------------------------- */

gboolean
ob_rfb_client_is_connected (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), FALSE);
  return self->state == STATE_RUNNING;
}

ObFramebuffer *
ob_rfb_client_get_framebuffer (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), NULL);
  return self->fb;
}

ObRfbDecoder *
ob_rfb_client_get_decoder (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), NULL);
  return self->decoder;
}

const char *
ob_rfb_client_get_desktop_name (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), NULL);
  return self->desktop_name;
}

void
ob_rfb_client_get_version (ObRfbClient *self,
                           guint       *server_major,
                           guint       *server_minor,
                           guint       *used_major,
                           guint       *used_minor)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (server_major != NULL)
    *server_major = self->server_major;
  if (server_minor != NULL)
    *server_minor = self->server_minor;
  if (used_major != NULL)
    *used_major = self->used_minor != 0 ? 3 : 0;
  if (used_minor != NULL)
    *used_minor = self->used_minor;
}

const ObRfbPixelFormat *
ob_rfb_client_get_server_pixel_format (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), NULL);
  return &self->server_format;
}

ObRfbDepth
ob_rfb_client_get_depth (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), OB_RFB_DEPTH_16);
  return self->depth_pending ? self->pending_depth : self->depth;
}

void
ob_rfb_client_set_prefer_raw (ObRfbClient *self,
                              gboolean     prefer_raw)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));
  self->prefer_raw = !!prefer_raw;
}

void
ob_rfb_client_set_pipeline (ObRfbClient *self,
                            guint        pipeline)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));
  self->pipeline = CLAMP (pipeline, 1, 2);
}

guint64
ob_rfb_client_get_updates (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), 0);
  return self->updates;
}

guint64
ob_rfb_client_get_bytes_received (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), 0);
  return self->bytes_received;
}

gint64
ob_rfb_client_get_update_latency (ObRfbClient *self)
{
  g_return_val_if_fail (OB_IS_RFB_CLIENT (self), 0);
  return self->latency_avg;
}

/* ---- output ------------------------------------------------------------- */

static void flush_output (ObRfbClient *self);

static void
write_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(ObRfbClient) self = user_data;
  g_autoptr(GError) error = NULL;

  self->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (self->state != STATE_CLOSED)
        fail (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                 "Could not send to the remote screen: %s", error->message));
      close_stream_when_idle (self);
      return;
    }
  if (self->state == STATE_CLOSED)
    {
      close_stream_when_idle (self);
      return;
    }
  flush_output (self);
}

static void
flush_output (ObRfbClient *self)
{
  GOutputStream *out;
  GBytes *bytes;

  if (self->writing || self->out->len == 0 || self->state == STATE_CLOSED)
    return;

  out = g_io_stream_get_output_stream (self->stream);
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&self->out));
  self->out = g_byte_array_new ();
  self->writing = TRUE;
  /* The bytes live as long as the write: tie them to the callback data. */
  g_object_set_data_full (G_OBJECT (self), "ob-rfb-writing", bytes, (GDestroyNotify) g_bytes_unref);
  g_output_stream_write_all_async (out, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, self->cancellable, write_done, g_object_ref (self));
}

static void
put_u8 (ObRfbClient *self,
        guint8       v)
{
  g_byte_array_append (self->out, &v, 1);
}

static void
put_be16 (ObRfbClient *self,
          guint16      v)
{
  guint8 b[2] = { v >> 8, v & 0xFF };

  g_byte_array_append (self->out, b, 2);
}

static void
put_be32 (ObRfbClient *self,
          guint32      v)
{
  guint8 b[4] = { v >> 24, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF };

  g_byte_array_append (self->out, b, 4);
}

static void
queue_pixel_format (ObRfbClient            *self,
                    const ObRfbPixelFormat *format)
{
  guint8 wire[OB_RFB_PIXEL_FORMAT_SIZE];

  put_u8 (self, 0);
  put_u8 (self, 0);
  put_u8 (self, 0);
  put_u8 (self, 0);
  ob_rfb_pixel_format_write (format, wire);
  g_byte_array_append (self->out, wire, sizeof wire);
}

static void
queue_encodings (ObRfbClient *self)
{
  gint32 list[3];
  guint n = 0;

  if (!self->prefer_raw)
    list[n++] = OB_RFB_ENCODING_ZRLE;
  list[n++] = OB_RFB_ENCODING_RAW;
  list[n++] = OB_RFB_ENCODING_DESKTOP_SIZE;

  put_u8 (self, 2);
  put_u8 (self, 0);
  put_be16 (self, (guint16) n);
  for (guint i = 0; i < n; i++)
    put_be32 (self, (guint32) list[i]);
}

static void
queue_update_request (ObRfbClient *self,
                      gboolean     incremental)
{
  gint64 *t = g_new (gint64, 1);

  put_u8 (self, 3);
  put_u8 (self, incremental ? 1 : 0);
  put_be16 (self, 0);
  put_be16 (self, 0);
  put_be16 (self, (guint16) ob_framebuffer_get_width (self->fb));
  put_be16 (self, (guint16) ob_framebuffer_get_height (self->fb));
  self->in_flight++;
  *t = g_get_monotonic_time ();
  g_queue_push_tail (&self->request_times, t);
}

void
ob_rfb_client_hold_requests (ObRfbClient *self,
                             gboolean     hold)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  hold = !!hold;
  if (self->requests_held == hold)
    return;
  self->requests_held = hold;
  if (hold || self->state != STATE_RUNNING || self->depth_pending)
    return;
  if (self->in_flight < self->pipeline)
    {
      while (self->in_flight < self->pipeline)
        queue_update_request (self, TRUE);
      flush_output (self);
    }
}

/* ---- closing ------------------------------------------------------------ */

static void
close_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
}

/* A stream with an operation pending refuses to close: close it once the
 * cancelled read and write have come back. */
static void
close_stream_when_idle (ObRfbClient *self)
{
  if (self->state != STATE_CLOSED || self->stream_closed || self->reading || self->writing)
    return;
  self->stream_closed = TRUE;
  g_io_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, close_done, NULL);
}

/* End the session with @error (owned; NULL for a local close). */
static void
fail (ObRfbClient *self,
      GError      *error)
{
  gboolean was_running;
  g_autoptr(GError) owned = error;
  G_GNUC_UNUSED g_autoptr(ObRfbClient) hold = g_object_ref (self);

  if (self->state == STATE_CLOSED)
    return;
  was_running = self->state == STATE_RUNNING;
  self->state = STATE_CLOSED;
  forget_connect_cancellable (self);

  if (self->handshake_timeout != NULL)
    {
      g_source_destroy (self->handshake_timeout);
      g_clear_pointer (&self->handshake_timeout, g_source_unref);
    }
  if (self->depth_timeout != NULL)
    {
      g_source_destroy (self->depth_timeout);
      g_clear_pointer (&self->depth_timeout, g_source_unref);
    }
  g_cancellable_cancel (self->cancellable);
  close_stream_when_idle (self);

  if (self->connect_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

      g_task_return_error (task, owned != NULL ? g_steal_pointer (&owned)
                                               : g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                                              "The remote screen session was closed"));
    }
  if (was_running)
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
      g_signal_emit (self, signals[SIGNAL_CLOSED], 0, owned);
    }
}

void
ob_rfb_client_close (ObRfbClient *self)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  fail (self, NULL);
}

/* ---- handshake ---------------------------------------------------------- */

static guint32
be32_at (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* A failure reason string (u32 length + text) at @p: NEED_MORE (0),
 * consumed size, or an error for a silly length. */
static gsize
read_reason (const guint8  *p,
             gsize          len,
             char         **reason,
             GError       **error)
{
  guint32 n;

  if (len < 4)
    return 0;
  n = be32_at (p);
  if (n > OB_RFB_MAX_NAME_LENGTH)
    {
      g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL, "RFB failure reason of %u bytes", n);
      return G_MAXSIZE;
    }
  if (len < 4 + (gsize) n)
    return 0;
  *reason = g_utf8_make_valid ((const char *) p + 4, n);
  return 4 + n;
}

static void
set_running (ObRfbClient *self)
{
  ObRfbPixelFormat format;

  self->state = STATE_RUNNING;
  forget_connect_cancellable (self);
  if (self->handshake_timeout != NULL)
    {
      g_source_destroy (self->handshake_timeout);
      g_clear_pointer (&self->handshake_timeout, g_source_unref);
    }

  /* Always send SetPixelFormat: some firmware starts in another format. */
  ob_rfb_pixel_format_for_depth (&format, self->depth);
  queue_pixel_format (self, &format);
  queue_encodings (self);
  queue_update_request (self, FALSE);
  flush_output (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DESKTOP_NAME]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
  if (self->connect_task != NULL)
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->connect_task);

      g_task_return_boolean (task, TRUE);
    }
}

/* One handshake step from @data.  Returns bytes consumed, 0 for
 * NEED_MORE, G_MAXSIZE on error (@error set). */
static gsize
handshake_step (ObRfbClient   *self,
                const guint8  *data,
                gsize          len,
                GError       **error)
{
  switch (self->state)
    {
    case STATE_VERSION:
      {
        char version[13];
        guint major, minor;
        const char *reply;

        if (len < 12)
          return 0;
        memcpy (version, data, 12);
        version[12] = '\0';
        if (memcmp (version, "RFB ", 4) != 0 || version[7] != '.' || version[11] != '\n'
            || !g_ascii_isdigit (version[4]) || !g_ascii_isdigit (version[5]) || !g_ascii_isdigit (version[6])
            || !g_ascii_isdigit (version[8]) || !g_ascii_isdigit (version[9]) || !g_ascii_isdigit (version[10]))
          {
            g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                         "The server did not greet with an RFB version");
            return G_MAXSIZE;
          }
        major = (guint) g_ascii_strtoull (version + 4, NULL, 10);
        minor = (guint) g_ascii_strtoull (version + 8, NULL, 10);
        self->server_major = major;
        self->server_minor = minor;
        /* AMT says 4.0 (an unpublished RealVNC extension); 3.8 is all a
         * client needs.  3.3 and 3.7 servers keep their own version. */
        if (major > 3 || (major == 3 && minor >= 8))
          {
            self->used_minor = 8;
            reply = "RFB 003.008\n";
          }
        else if (major == 3 && minor == 7)
          {
            self->used_minor = 7;
            reply = "RFB 003.007\n";
          }
        else if (major == 3)
          {
            self->used_minor = 3;
            reply = "RFB 003.003\n";
          }
        else
          {
            g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                         "Unsupported RFB version %u.%u", major, minor);
            return G_MAXSIZE;
          }
        g_byte_array_append (self->out, (const guint8 *) reply, 12);
        flush_output (self);
        self->state = STATE_SECURITY_TYPES;
        return 12;
      }

    case STATE_SECURITY_TYPES:
      if (self->used_minor == 3)
        {
          guint32 type;

          if (len < 4)
            return 0;
          type = be32_at (data);
          if (type == 0)
            {
              g_autofree char *reason = NULL;
              gsize n = read_reason (data + 4, len - 4, &reason, error);

              if (n == G_MAXSIZE)
                return n;
              if (n == 0)
                return 0;
              g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                           "The remote screen refused the connection: %s", reason);
              return G_MAXSIZE;
            }
          if (type != 1)
            {
              g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                           type == 2 ? "The remote screen asks for a VNC password, which is not supported"
                                     : "The remote screen asks for an unsupported security type");
              return G_MAXSIZE;
            }
          put_u8 (self, 1);   /* ClientInit: shared */
          flush_output (self);
          self->state = STATE_SERVER_INIT;
          return 4;
        }
      else
        {
          guint n;
          gboolean has_none = FALSE, has_vnc = FALSE;

          if (len < 1)
            return 0;
          n = data[0];
          if (n == 0)
            {
              g_autofree char *reason = NULL;
              gsize used = read_reason (data + 1, len - 1, &reason, error);

              if (used == G_MAXSIZE)
                return used;
              if (used == 0)
                return 0;
              g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                           "The remote screen refused the connection: %s", reason);
              return G_MAXSIZE;
            }
          if (len < 1 + (gsize) n)
            return 0;
          for (guint i = 0; i < n; i++)
            {
              has_none |= data[1 + i] == 1;
              has_vnc |= data[1 + i] == 2;
            }
          if (!has_none)
            {
              g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                           has_vnc ? "The remote screen asks for a VNC password, which is not supported"
                                   : "The remote screen offers no supported security type");
              return G_MAXSIZE;
            }
          put_u8 (self, 1);   /* None */
          if (self->used_minor == 7)
            {
              /* 3.7 sends no SecurityResult for None. */
              put_u8 (self, 1);   /* ClientInit: shared */
              self->state = STATE_SERVER_INIT;
            }
          else
            self->state = STATE_SECURITY_RESULT;
          flush_output (self);
          return 1 + n;
        }

    case STATE_SECURITY_RESULT:
      {
        guint32 result;

        if (len < 4)
          return 0;
        result = be32_at (data);
        if (result != 0)
          {
            g_autofree char *reason = NULL;
            gsize n = read_reason (data + 4, len - 4, &reason, error);

            if (n == G_MAXSIZE)
              return n;
            if (n == 0)
              return 0;
            g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_RFB_REFUSED,
                         "The remote screen refused the connection: %s", reason);
            return G_MAXSIZE;
          }
        put_u8 (self, 1);   /* ClientInit: shared */
        flush_output (self);
        self->state = STATE_SERVER_INIT;
        return 4;
      }

    case STATE_SERVER_INIT:
      {
        guint w, h;
        guint32 name_len;
        ObRfbPixelFormat format;

        if (len < 24)
          return 0;
        w = (data[0] << 8) | data[1];
        h = (data[2] << 8) | data[3];
        ob_rfb_pixel_format_read (&self->server_format, data + 4);
        name_len = be32_at (data + 20);
        if (name_len > OB_RFB_MAX_NAME_LENGTH)
          {
            g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                         "ServerInit with a name of %u bytes", name_len);
            return G_MAXSIZE;
          }
        if (len < 24 + (gsize) name_len)
          return 0;

        if (self->fb == NULL)
          self->fb = ob_framebuffer_new (w, h);
        else if (!ob_framebuffer_resize (self->fb, w, h))
          g_clear_object (&self->fb);
        if (self->fb == NULL)
          {
            g_set_error (error, OB_REDIR_ERROR, OB_REDIR_ERROR_PROTOCOL,
                         "The remote screen's size %u×%u is not usable", w, h);
            return G_MAXSIZE;
          }
        g_free (self->desktop_name);
        self->desktop_name = g_utf8_make_valid ((const char *) data + 24, name_len);

        ob_rfb_pixel_format_for_depth (&format, self->depth);
        self->decoder = ob_rfb_decoder_new (self->fb, &format);
        set_running (self);
        return 24 + name_len;
      }

    case STATE_NEW:
    case STATE_RUNNING:
    case STATE_CLOSED:
    default:
      g_assert_not_reached ();
      return G_MAXSIZE;
    }
}

/* ---- running ------------------------------------------------------------ */

static void
apply_pending_depth (ObRfbClient *self)
{
  ObRfbPixelFormat format;
  g_autoptr(GError) error = NULL;

  if (self->depth_timeout != NULL)
    {
      g_source_destroy (self->depth_timeout);
      g_clear_pointer (&self->depth_timeout, g_source_unref);
    }
  self->depth_pending = FALSE;
  self->depth = self->pending_depth;
  ob_rfb_pixel_format_for_depth (&format, self->depth);
  if (!ob_rfb_decoder_set_pixel_format (self->decoder, &format, &error))
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  queue_pixel_format (self, &format);
  queue_update_request (self, FALSE);
}

static void
update_done (ObRfbClient *self)
{
  g_autofree gint64 *sent = g_queue_pop_head (&self->request_times);

  if (self->in_flight > 0)
    self->in_flight--;
  if (sent != NULL)
    {
      gint64 took = g_get_monotonic_time () - *sent;

      self->latency_avg = self->latency_avg == 0 ? took : (self->latency_avg * 7 + took) / 8;
    }
  self->updates++;
  ob_framebuffer_flush_damage (self->fb);

  /* A new format must not meet an update still encoded in the old one. */
  if (self->depth_pending && self->in_flight == 0)
    apply_pending_depth (self);
  else if (self->resized && self->in_flight == 0)
    {
      self->resized = FALSE;
      queue_update_request (self, FALSE);
    }
  while (!self->depth_pending && !self->requests_held && self->in_flight < self->pipeline &&
         self->state == STATE_RUNNING)
    queue_update_request (self, TRUE);
  flush_output (self);

  g_signal_emit (self, signals[SIGNAL_UPDATE_DONE], 0);
}

/* ServerCutText that is Intel's binary side channel, not clipboard text. */
static gboolean
is_intel_extension (GBytes *text)
{
  gsize n;
  const guint8 *p = g_bytes_get_data (text, &n);

  return n > 0 && p[0] == '\0';
}

static void
emit_cut_text (ObRfbClient *self)
{
  GBytes *text = ob_rfb_decoder_get_cut_text (self->decoder);
  g_autofree char *utf8 = NULL;
  gsize n;
  const char *p;

  if (text == NULL || is_intel_extension (text))
    return;
  p = g_bytes_get_data (text, &n);
  utf8 = g_convert (p, (gssize) n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  if (utf8 != NULL)
    g_signal_emit (self, signals[SIGNAL_SERVER_CUT_TEXT], 0, utf8);
}

static void
process_input (ObRfbClient *self)
{
  G_GNUC_UNUSED g_autoptr(ObRfbClient) hold = g_object_ref (self);

  while (self->state != STATE_CLOSED)
    {
      const guint8 *data = self->acc->data + self->acc_pos;
      gsize len = self->acc->len - self->acc_pos;
      g_autoptr(GError) error = NULL;

      if (self->state != STATE_RUNNING)
        {
          gsize used = handshake_step (self, data, len, &error);

          if (used == G_MAXSIZE)
            {
              fail (self, g_steal_pointer (&error));
              return;
            }
          if (used == 0)
            break;
          self->acc_pos += used;
        }
      else
        {
          gsize used = 0;
          ObRfbEvent ev = 0;
          ObRfbDecodeStatus st = ob_rfb_decoder_decode (self->decoder, data, len, &used, &ev, &error);

          if (st == OB_RFB_DECODE_ERROR)
            {
              fail (self, g_steal_pointer (&error));
              return;
            }
          if (st == OB_RFB_DECODE_NEED_MORE)
            break;
          self->acc_pos += used;
          if (ev & OB_RFB_EVENT_RESIZE)
            self->resized = TRUE;
          if (ev & OB_RFB_EVENT_BELL)
            g_signal_emit (self, signals[SIGNAL_BELL], 0);
          if (ev & OB_RFB_EVENT_CUT_TEXT)
            emit_cut_text (self);
          if (ev & OB_RFB_EVENT_UPDATE_END)
            update_done (self);
        }
    }

  /* Drop what was consumed, without moving bytes on every message. */
  if (self->acc_pos == self->acc->len)
    {
      g_byte_array_set_size (self->acc, 0);
      self->acc_pos = 0;
    }
  else if (self->acc_pos > 0 && self->acc_pos >= self->acc->len / 2)
    {
      g_byte_array_remove_range (self->acc, 0, (guint) self->acc_pos);
      self->acc_pos = 0;
    }
}

static void
read_done (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(ObRfbClient) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  self->reading = FALSE;
  if (self->state == STATE_CLOSED)
    {
      close_stream_when_idle (self);
      return;
    }
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      else
        fail (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                                 "The remote screen connection failed: %s", error->message));
      return;
    }
  if (n == 0)
    {
      fail (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_CLOSED,
                               self->state == STATE_RUNNING
                               ? "The device closed the remote screen session"
                               : "The device closed the connection during the remote screen handshake"));
      return;
    }
  self->bytes_received += (guint64) n;
  g_byte_array_append (self->acc, self->chunk, (guint) n);
  process_input (self);
  if (self->state != STATE_CLOSED)
    start_read (self);
}

static void
start_read (ObRfbClient *self)
{
  self->reading = TRUE;
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->chunk, READ_CHUNK,
                             G_PRIORITY_DEFAULT, self->cancellable, read_done, g_object_ref (self));
}

static gboolean
on_handshake_timeout (gpointer user_data)
{
  ObRfbClient *self = user_data;

  g_clear_pointer (&self->handshake_timeout, g_source_unref);
  fail (self, g_error_new (OB_REDIR_ERROR, OB_REDIR_ERROR_TIMEOUT,
                           "The remote screen did not finish its handshake in %d seconds",
                           HANDSHAKE_TIMEOUT_S));
  return G_SOURCE_REMOVE;
}

void
ob_rfb_client_connect_async (ObRfbClient         *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_rfb_client_connect_async);
  if (self->state != STATE_NEW)
    {
      g_task_return_new_error (task, OB_REDIR_ERROR, OB_REDIR_ERROR_INVALID_STATE,
                               "The remote screen session was already started");
      return;
    }
  self->state = STATE_VERSION;
  self->connect_task = g_steal_pointer (&task);
  self->context = g_main_context_ref_thread_default ();
  if (cancellable != NULL)
    {
      self->connect_cancellable = g_object_ref (cancellable);
      self->connect_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_connect_cancelled),
                                                       g_object_ref (self->cancellable), g_object_unref);
    }

  self->handshake_timeout = g_timeout_source_new_seconds (HANDSHAKE_TIMEOUT_S);
  g_source_set_callback (self->handshake_timeout, on_handshake_timeout, self, NULL);
  g_source_attach (self->handshake_timeout, self->context);

  process_input (self);
  if (self->state != STATE_CLOSED)
    start_read (self);
}

gboolean
ob_rfb_client_connect_finish (ObRfbClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- input events ------------------------------------------------------- */

/* A server that holds incremental requests until the screen changes
 * (VNC servers do; AMT answers each one) would hold a depth change
 * forever: after a while the pending request counts as answered by the
 * full update that follows the new format. */
static gboolean
on_depth_timeout (gpointer user_data)
{
  ObRfbClient *self = user_data;

  g_clear_pointer (&self->depth_timeout, g_source_unref);
  if (self->state != STATE_RUNNING || !self->depth_pending)
    return G_SOURCE_REMOVE;
  if (ob_rfb_decoder_in_update (self->decoder))
    return G_SOURCE_REMOVE;   /* update_done() applies it */
  self->in_flight = 0;
  g_queue_clear_full (&self->request_times, g_free);
  apply_pending_depth (self);
  flush_output (self);
  return G_SOURCE_REMOVE;
}

void
ob_rfb_client_set_depth (ObRfbClient *self,
                         ObRfbDepth   depth)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (self->state != STATE_RUNNING)
    {
      self->depth = depth;
      return;
    }
  if (depth == self->depth && !self->depth_pending)
    return;
  self->pending_depth = depth;
  self->depth_pending = TRUE;
  if (self->in_flight == 0 && !ob_rfb_decoder_in_update (self->decoder))
    {
      apply_pending_depth (self);
      flush_output (self);
    }
  else if (self->depth_timeout == NULL)
    {
      self->depth_timeout = g_timeout_source_new (1000);
      g_source_set_callback (self->depth_timeout, on_depth_timeout, self, NULL);
      g_source_attach (self->depth_timeout, self->context);
    }
}

void
ob_rfb_client_request_refresh (ObRfbClient *self)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (self->state != STATE_RUNNING)
    return;
  queue_update_request (self, FALSE);
  flush_output (self);
}

static void
queue_key (ObRfbClient *self,
           guint32      keysym,
           gboolean     down)
{
  put_u8 (self, 4);
  put_u8 (self, down ? 1 : 0);
  put_be16 (self, 0);
  put_be32 (self, keysym);
}

static void
track_key (ObRfbClient *self,
           guint32      keysym,
           gboolean     down)
{
  for (guint i = 0; i < self->pressed->len; i++)
    if (g_array_index (self->pressed, guint32, i) == keysym)
      {
        if (!down)
          g_array_remove_index_fast (self->pressed, i);
        return;
      }
  if (down)
    g_array_append_val (self->pressed, keysym);
}

void
ob_rfb_client_key_event (ObRfbClient *self,
                         guint32      keysym,
                         gboolean     down)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (self->state != STATE_RUNNING)
    return;
  track_key (self, keysym, down);
  queue_key (self, keysym, down);
  flush_output (self);
}

void
ob_rfb_client_release_all_keys (ObRfbClient *self)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (self->state != STATE_RUNNING)
    {
      g_array_set_size (self->pressed, 0);
      return;
    }
  /* Newest first, so modifiers pressed first go up last. */
  for (guint i = self->pressed->len; i > 0; i--)
    queue_key (self, g_array_index (self->pressed, guint32, i - 1), FALSE);
  g_array_set_size (self->pressed, 0);
  flush_output (self);
}

void
ob_rfb_client_send_chord (ObRfbClient   *self,
                          const guint32 *keysyms,
                          guint          n_keysyms)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));
  g_return_if_fail (keysyms != NULL || n_keysyms == 0);

  if (self->state != STATE_RUNNING)
    return;
  for (guint i = 0; i < n_keysyms; i++)
    queue_key (self, keysyms[i], TRUE);
  for (guint i = n_keysyms; i > 0; i--)
    {
      queue_key (self, keysyms[i - 1], FALSE);
      track_key (self, keysyms[i - 1], FALSE);
    }
  flush_output (self);
}

void
ob_rfb_client_pointer_event (ObRfbClient *self,
                             guint8       buttons,
                             guint        x,
                             guint        y)
{
  g_return_if_fail (OB_IS_RFB_CLIENT (self));

  if (self->state != STATE_RUNNING)
    return;
  x = MIN (x, ob_framebuffer_get_width (self->fb) - 1);
  y = MIN (y, ob_framebuffer_get_height (self->fb) - 1);
  put_u8 (self, 5);
  put_u8 (self, buttons);
  put_be16 (self, (guint16) x);
  put_be16 (self, (guint16) y);
  flush_output (self);
}

void
ob_rfb_client_send_cut_text (ObRfbClient *self,
                             const char  *utf8)
{
  g_autoptr(GString) latin1 = g_string_new (NULL);

  g_return_if_fail (OB_IS_RFB_CLIENT (self));
  g_return_if_fail (utf8 != NULL);

  if (self->state != STATE_RUNNING || !g_utf8_validate (utf8, -1, NULL))
    return;
  for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      g_string_append_c (latin1, c < 256 && c != 0 ? (char) c : '?');
    }
  put_u8 (self, 6);
  put_u8 (self, 0);
  put_be16 (self, 0);
  put_be32 (self, (guint32) latin1->len);
  g_byte_array_append (self->out, (const guint8 *) latin1->str, (guint) latin1->len);
  flush_output (self);
}
