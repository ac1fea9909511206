/* ob-tls-stream.c
 *
 * Copyright 2026 The Outband authors
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <glib-unix.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ob-tls-error.h"
#include "ob-tls-record.h"
#include "ob-tls-stream-private.h"

/* TLS 1.3 traffic secrets as OpenSSL's key log gives them, kept only
 * during the handshake. */
typedef struct
{
  guint8 client[48];
  guint8 server[48];
  gsize  client_len;
  gsize  server_len;
} Secrets;

struct _ObTlsStream
{
  GIOStream          parent_instance;

  GSocketConnection *connection;
  GSocket           *socket;
  SSL               *ssl;
  GInputStream      *input;
  GOutputStream     *output;
  GError            *io_error;       /* the socket's, from the BIO */

  guint              handshaken : 1;
  guint              handshaking : 1;
  guint              failed : 1;     /* a fatal TLS error: no more SSL calls */
  guint              closed : 1;
  /* OpenSSL needs the other direction first (a read that must write,
   * or a write that must read); the sources wait for that instead. */
  guint              read_wants_write : 1;
  guint              write_wants_read : 1;
  /* Decrypted bytes wait inside OpenSSL (a read smaller than a record);
   * kept here so the sources need not ask OpenSSL every iteration. */
  guint              pending : 1;
  guint              is_server : 1;
  guint              peer_closed : 1;   /* record mode: close_notify or EOF read */
  guint              handed_over : 1;
  /* The last receive got less than it asked for, so the socket was
   * empty: the next one reports "would block" without a system call.
   * Every wait polls level-triggered, so bytes that came meanwhile wake
   * the reader at once. */
  guint              drained : 1;

  /* Bytes received past what the reader asked for (receive_buffered()):
   * the socket is read in one call per burst, not once for a record's
   * header and once for its payload.  Held only until read. */
  guint8            *carry;
  gsize              carry_len;
  gsize              carry_off;

  /* After the handshake of an AEAD suite the SSL object is freed and the
   * records are protected here (ob-tls-record.h): an idle connection then
   * holds its keys and nothing else. */
  ObTlsRecord       *record;
  guint8             header[OB_TLS_RECORD_HEADER_LEN];
  guint8             header_len;
  guint8            *payload;           /* the record being read */
  gsize              payload_len;
  gsize              payload_have;
  guint8            *plain;             /* decrypted, not yet read (in payload) */
  gsize              plain_len;
  GByteArray        *unsent;            /* sealed bytes the socket has not taken */
  gsize              unsent_plain;      /* the caller's bytes among them */
  Secrets           *secrets;

  /* Handshake waits on a poller's watch instead of a GSource each
   * (ob_tls_stream_set_poller()). */
  ObPoller          *poller;
  ObPollerWatch     *handshake_watch;
  GTask             *handshake_task;
  GCancellable      *handshake_cancellable;
  gulong             handshake_cancel_id;
  /* What the SSL object knew, for after it is gone. */
  const char        *version;
  const char        *cipher_name;
  long               verify_result;
  char              *peer_common_name;
};

G_DEFINE_FINAL_TYPE (ObTlsStream, ob_tls_stream, G_TYPE_IO_STREAM)

/* ---- socket I/O ---------------------------------------------------------- */

/* What socket_io() returns when the socket has no data or no room. */
#define IO_WOULD_BLOCK (-2)

/* One non-blocking send (@out) or receive on the socket, for the BIO
 * and the record mode alike: the bytes moved (0: the peer's FIN), or
 * IO_WOULD_BLOCK, or -1 with @error set.  Straight on the descriptor:
 * GSocket would allocate an error for every "would block", the common
 * answer of a non-blocking socket.  MSG_NOSIGNAL as GSocket sends (a
 * write to a reset connection must not raise SIGPIPE). */
static gssize
socket_io (ObTlsStream  *self,
           gboolean      out,
           void         *buffer,
           gsize         count,
           GError      **error)
{
  int fd = g_socket_get_fd (self->socket);
  int saved_errno;
  gssize n;

  if (g_socket_is_closed (self->socket))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The socket is closed");
      return -1;
    }

  do
    n = out ? send (fd, buffer, count, MSG_NOSIGNAL | MSG_DONTWAIT)
            : recv (fd, buffer, count, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);

  if (n >= 0)
    return n;
  saved_errno = errno;
  if (saved_errno == EAGAIN)   /* EWOULDBLOCK on Linux */
    return IO_WOULD_BLOCK;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "Error %s data: %s",
               out ? "sending" : "receiving", g_strerror (saved_errno));
  return -1;
}

/* Receives are made this large; a bigger request goes straight to the
 * socket. */
#define RECEIVE_CHUNK (16 * 1024)

/* Per thread, so that an idle connection holds none of them: where a
 * receive lands before the caller's share is copied out, where an opened
 * record's reply (a key update's) goes first, and where records are
 * sealed before they are sent (only what the socket does not take is
 * kept by the stream; a fresh block for every write was a large
 * allocation each time). */
typedef struct
{
  guint8      receive[RECEIVE_CHUNK];
  GByteArray *reply;
  GByteArray *sealed;
} Scratch;

static void
free_scratch (gpointer data)
{
  Scratch *scratch = data;

  g_byte_array_unref (scratch->reply);
  g_byte_array_unref (scratch->sealed);
  g_free (scratch);
}

static Scratch *
get_scratch (void)
{
  static GPrivate key = G_PRIVATE_INIT (free_scratch);
  Scratch *scratch = g_private_get (&key);

  if (scratch == NULL)
    {
      scratch = g_new (Scratch, 1);
      scratch->reply = g_byte_array_new ();
      scratch->sealed = g_byte_array_new ();
      g_private_set (&key, scratch);
    }
  return scratch;
}

static void
drop_carry (ObTlsStream *self)
{
  g_clear_pointer (&self->carry, g_free);
  self->carry_len = 0;
  self->carry_off = 0;
}

/* Reads into @buffer (at most @count) without blocking, for the BIO and
 * the record mode alike: first what an earlier receive carried over,
 * then the socket, asked for as much as it has (up to RECEIVE_CHUNK)
 * with the surplus kept for the next call.  The bytes moved (0: the
 * peer's FIN), IO_WOULD_BLOCK, or -1 with @error set. */
static gssize
receive_buffered (ObTlsStream  *self,
                  guint8       *buffer,
                  gsize         count,
                  GError      **error)
{
  guint8 *scratch;
  gssize n;
  gsize take;

  if (count == 0)
    return 0;
  if (self->carry_len > 0)
    {
      take = MIN (count, self->carry_len);
      memcpy (buffer, self->carry + self->carry_off, take);
      self->carry_off += take;
      self->carry_len -= take;
      if (self->carry_len == 0)
        drop_carry (self);
      return (gssize) take;
    }
  if (self->drained)
    {
      self->drained = FALSE;
      return IO_WOULD_BLOCK;
    }

  if (count >= RECEIVE_CHUNK)
    {
      n = socket_io (self, FALSE, buffer, count, error);
      if (n > 0 && (gsize) n < count)
        self->drained = TRUE;
      return n;
    }

  scratch = get_scratch ()->receive;
  n = socket_io (self, FALSE, scratch, RECEIVE_CHUNK, error);
  if (n <= 0)
    return n;
  if (n < RECEIVE_CHUNK)
    self->drained = TRUE;
  take = MIN (count, (gsize) n);
  memcpy (buffer, scratch, take);
  if ((gsize) n > take)
    {
      self->carry = g_memdup2 (scratch + take, (gsize) n - take);
      self->carry_len = (gsize) n - take;
      self->carry_off = 0;
    }
  return (gssize) take;
}

/* ---- BIO over the socket ---------------------------------------------- */

/* OpenSSL's socket BIO would write() to the fd, and a write to a reset
 * connection raises SIGPIPE; socket_io() sends with MSG_NOSIGNAL and
 * speaks GError. */

static void
set_io_error (ObTlsStream *self,
              GError         *error)
{
  if (self->io_error == NULL)
    self->io_error = error;
  else
    g_error_free (error);
}

static int
bio_io (BIO      *bio,
        gboolean  out,
        char     *data,
        int       len)
{
  ObTlsStream *self = BIO_get_data (bio);
  GError *error = NULL;
  gssize n;

  BIO_clear_retry_flags (bio);
  n = out ? socket_io (self, TRUE, data, (gsize) MAX (len, 0), &error)
          : receive_buffered (self, (guint8 *) data, (gsize) MAX (len, 0), &error);
  if (n == IO_WOULD_BLOCK)
    {
      if (out)
        BIO_set_retry_write (bio);
      else
        BIO_set_retry_read (bio);
      return -1;
    }
  if (n < 0)
    {
      set_io_error (self, error);
      return -1;
    }
  return (int) n;
}

static int
bio_write (BIO        *bio,
           const char *data,
           int         len)
{
  /* Not written to: the helper is shared with reading. */
  return bio_io (bio, TRUE, (char *) data, len);
}

static int
bio_read (BIO  *bio,
          char *data,
          int   len)
{
  return bio_io (bio, FALSE, data, len);
}

static long
bio_ctrl (BIO  *bio,
          int   cmd,
          long  num,
          void *ptr)
{
  ObTlsStream *self = BIO_get_data (bio);

  if (cmd == BIO_CTRL_PENDING)
    return (long) MIN (self->carry_len, (gsize) G_MAXLONG);
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int
bio_create (BIO *bio)
{
  BIO_set_init (bio, 1);
  return 1;
}

static BIO_METHOD *
get_bio_method (void)
{
  static gsize once;
  static BIO_METHOD *method;

  if (g_once_init_enter (&once))
    {
      BIO_METHOD *m = BIO_meth_new (BIO_get_new_index () | BIO_TYPE_SOURCE_SINK, "outband GSocket");

      BIO_meth_set_write (m, bio_write);
      BIO_meth_set_read (m, bio_read);
      BIO_meth_set_ctrl (m, bio_ctrl);
      BIO_meth_set_create (m, bio_create);
      method = m;
      g_once_init_leave (&once, 1);
    }
  return method;
}

/* ---- errors --------------------------------------------------------------- */

/* After a failed SSL call: what went wrong, as GIO would say it.  Returns
 * 0 (end of stream) or -1 with @error set. */
static gssize
fail (ObTlsStream  *self,
      int              ssl_error,
      const char      *what,
      GError         **error)
{
  unsigned long code = ERR_peek_error ();

  if (self->io_error != NULL)
    {
      self->failed = TRUE;
      g_propagate_error (error, g_error_copy (self->io_error));
      ERR_clear_error ();
      return -1;
    }
  if (ssl_error == SSL_ERROR_ZERO_RETURN || (ssl_error == SSL_ERROR_SYSCALL && code == 0))
    {
      /* close_notify, or the peer's FIN (unexpected EOF is ignored by
       * the context's options). */
      ERR_clear_error ();
      return 0;
    }

  self->failed = TRUE;
  if (code != 0)
    {
      char buf[256];

      ERR_error_string_n (code, buf, sizeof buf);
      g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_MISC, "TLS %s failed: %s", what, buf);
    }
  else
    g_set_error (error, G_TLS_ERROR, G_TLS_ERROR_MISC, "TLS %s failed (error %d)", what, ssl_error);
  ERR_clear_error ();
  return -1;
}

static gboolean
check_usable (ObTlsStream  *self,
              GError         **error)
{
  if (self->closed || (self->ssl == NULL && self->record == NULL))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "The TLS connection is closed");
      return FALSE;
    }
  if (!self->handshaken)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "The TLS handshake has not completed");
      return FALSE;
    }
  if (self->failed)
    {
      if (self->io_error != NULL)
        g_propagate_error (error, g_error_copy (self->io_error));
      else
        g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_MISC, "The TLS connection failed");
      return FALSE;
    }
  return TRUE;
}

/* ---- record mode (after the hand-over) ----------------------------------------------- */

/* A fatal record error: the connection is over. */
static gssize
record_fail (ObTlsStream  *self,
             GError       *cause,
             GError      **error)
{
  self->failed = TRUE;
  if (self->io_error == NULL)
    self->io_error = g_error_copy (cause);
  g_propagate_error (error, cause);
  return -1;
}

static void
drop_payload (ObTlsStream *self)
{
  g_clear_pointer (&self->payload, g_free);
  self->payload_len = 0;
  self->payload_have = 0;
  self->plain = NULL;
  self->plain_len = 0;
}

/* Sends what the socket takes of @data, counting it in *@sent.  TRUE
 * when all of it went; FALSE with @error unset when the socket is full. */
static gboolean
send_some (ObTlsStream  *self,
           guint8       *data,
           gsize         len,
           gsize        *sent,
           GError      **error)
{
  *sent = 0;
  while (*sent < len)
    {
      GError *local_error = NULL;
      gssize n = socket_io (self, TRUE, data + *sent, len - *sent, &local_error);

      if (n == IO_WOULD_BLOCK)
        return FALSE;
      if (n < 0)
        {
          record_fail (self, local_error, error);
          return FALSE;
        }
      *sent += (gsize) n;
    }
  return TRUE;
}

/* Sends what the socket takes of the sealed bytes.  TRUE when none are
 * left; FALSE with @error unset when the socket is full. */
static gboolean
flush_unsent (ObTlsStream  *self,
              GError      **error)
{
  if (self->unsent != NULL && self->unsent->len > 0)
    {
      gsize sent;
      gboolean done = send_some (self, self->unsent->data, self->unsent->len, &sent, error);

      g_byte_array_remove_range (self->unsent, 0, (guint) sent);
      if (!done)
        return FALSE;
    }
  /* Nothing kept while idle. */
  g_clear_pointer (&self->unsent, g_byte_array_unref);
  return TRUE;
}

/* Record mode's receive: > 0 bytes, 0 at the peer's FIN, -1 would block
 * (@error unset) or failed (@error set). */
static gssize
receive_some (ObTlsStream  *self,
              guint8       *buffer,
              gsize         count,
              GError      **error)
{
  GError *local_error = NULL;
  gssize n = receive_buffered (self, buffer, count, &local_error);

  if (n == IO_WOULD_BLOCK)
    return -1;
  if (n < 0)
    return record_fail (self, local_error, error);
  return n;
}

static gssize
record_read (ObTlsStream  *self,
             void         *buffer,
             gsize         count,
             GError      **error)
{
  for (;;)
    {
      GError *local_error = NULL;
      GByteArray *reply;
      ObTlsRecordKind kind;
      guint8 *plaintext;
      gsize plaintext_len;
      gssize n;

      if (self->plain_len > 0)
        {
          gsize take = MIN (count, self->plain_len);

          memcpy (buffer, self->plain, take);
          self->plain += take;
          self->plain_len -= take;
          if (self->plain_len == 0)
            drop_payload (self);
          self->pending = self->plain_len > 0;
          return (gssize) take;
        }
      if (self->peer_closed)
        return 0;

      /* The header, then exactly the payload it announces: nothing of the
       * next record is read ahead, so nothing waits in a buffer. */
      if (self->header_len < OB_TLS_RECORD_HEADER_LEN)
        {
          n = receive_some (self, self->header + self->header_len,
                            OB_TLS_RECORD_HEADER_LEN - self->header_len, error);
          if (n < 0)
            goto would_block_or_error;
          if (n == 0)
            {
              if (self->header_len != 0)
                return record_fail (self, g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_EOF,
                                                               "The peer closed the connection inside a TLS record"),
                                    error);
              /* A FIN without close_notify: an ordinary end, as before. */
              self->peer_closed = TRUE;
              return 0;
            }
          self->header_len += (guint8) n;
          continue;
        }

      if (self->payload == NULL)
        {
          gssize len = ob_tls_record_check_header (self->record, self->header, &local_error);

          if (len < 0)
            return record_fail (self, local_error, error);
          self->payload = g_malloc ((gsize) len);
          self->payload_len = (gsize) len;
          self->payload_have = 0;
        }

      if (self->payload_have < self->payload_len)
        {
          n = receive_some (self, self->payload + self->payload_have,
                            self->payload_len - self->payload_have, error);
          if (n < 0)
            goto would_block_or_error;
          if (n == 0)
            return record_fail (self, g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_EOF,
                                                           "The peer closed the connection inside a TLS record"),
                                error);
          self->payload_have += (gsize) n;
          continue;
        }

      self->header_len = 0;
      reply = get_scratch ()->reply;
      if (!ob_tls_record_open (self->record, self->header, self->payload, self->payload_len,
                               &kind, &plaintext, &plaintext_len, reply, &local_error))
        {
          g_byte_array_set_size (reply, 0);
          drop_payload (self);
          return record_fail (self, local_error, error);
        }
      /* A key update's answer goes out now if the socket takes it. */
      if (reply->len > 0)
        {
          if (self->unsent == NULL)
            self->unsent = g_byte_array_new ();
          g_byte_array_append (self->unsent, reply->data, reply->len);
          g_byte_array_set_size (reply, 0);
          flush_unsent (self, NULL);
        }

      switch (kind)
        {
        case OB_TLS_RECORD_DATA:
          if (plaintext_len == 0)
            drop_payload (self);
          else
            {
              self->plain = plaintext;
              self->plain_len = plaintext_len;
            }
          break;

        case OB_TLS_RECORD_CLOSE:
          drop_payload (self);
          self->peer_closed = TRUE;
          break;

        case OB_TLS_RECORD_NOTHING:
        default:
          drop_payload (self);
          break;
        }
      continue;

    would_block_or_error:
      if (self->failed)
        return -1;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Nothing to read yet");
      return -1;
    }
}

/* OpenSSL's contract, which the callers already follow: a write that
 * would block is called again with the same bytes.  Its record is sealed
 * once and kept; the repeated call sends the rest and reports the bytes
 * it carried. */
static gssize
record_write (ObTlsStream  *self,
              const void   *buffer,
              gsize         count,
              GError      **error)
{
  GError *local_error = NULL;
  GByteArray *sealed;
  gsize sent;
  gsize take;

  if (!flush_unsent (self, error))
    {
      if (self->failed)
        return -1;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "No room to write yet");
      return -1;
    }
  if (self->unsent_plain > 0)
    {
      take = MIN (self->unsent_plain, count);
      self->unsent_plain = 0;
      return (gssize) take;
    }

  /* Up to four records in one send: fewer system calls, and no small
   * tail record left waiting on Nagle behind a big one. */
  take = MIN (count, (gsize) OB_TLS_RECORD_MAX_PLAINTEXT * 4);
  /* Emptied here, not after use: whatever an earlier write left in it
   * is dead. */
  sealed = get_scratch ()->sealed;
  g_byte_array_set_size (sealed, 0);
  for (gsize done = 0; done < take; )
    {
      gsize piece = MIN (take - done, OB_TLS_RECORD_MAX_PLAINTEXT);

      if (!ob_tls_record_seal (self->record, (const guint8 *) buffer + done, piece, sealed, &local_error))
        return record_fail (self, local_error, error);
      done += piece;
    }
  if (send_some (self, sealed->data, sealed->len, &sent, error))
    return (gssize) take;
  if (self->failed)
    return -1;

  /* The rest waits in the stream, and the next call with the same bytes
   * reports them written once it is out. */
  self->unsent = g_byte_array_sized_new ((guint) (sealed->len - sent));
  g_byte_array_append (self->unsent, sealed->data + sent, (guint) (sealed->len - sent));
  self->unsent_plain = take;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "No room to write yet");
  return -1;
}

/* ---- I/O for the streams ------------------------------------------------------ */

gssize
_ob_tls_stream_read (ObTlsStream  *self,
                         void            *buffer,
                         gsize            count,
                         GError         **error)
{
  size_t done = 0;
  int ssl_error;

  if (!check_usable (self, error))
    return -1;
  if (count == 0)
    return 0;
  if (self->record != NULL)
    return record_read (self, buffer, count, error);

  ERR_clear_error ();
  self->read_wants_write = FALSE;
  self->pending = FALSE;
  if (SSL_read_ex (self->ssl, buffer, count, &done) == 1)
    {
      self->pending = SSL_has_pending (self->ssl) != 0;
      return (gssize) done;
    }

  ssl_error = SSL_get_error (self->ssl, 0);
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE)
    {
      self->read_wants_write = ssl_error == SSL_ERROR_WANT_WRITE;
      ERR_clear_error ();
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "Nothing to read yet");
      return -1;
    }
  return fail (self, ssl_error, "read", error);
}

gssize
_ob_tls_stream_write (ObTlsStream  *self,
                          const void      *buffer,
                          gsize            count,
                          GError         **error)
{
  size_t done = 0;
  int ssl_error;
  gssize r;

  if (!check_usable (self, error))
    return -1;
  if (count == 0)
    return 0;
  if (self->record != NULL)
    return record_write (self, buffer, count, error);

  ERR_clear_error ();
  self->write_wants_read = FALSE;
  if (SSL_write_ex (self->ssl, buffer, count, &done) == 1)
    return (gssize) done;

  ssl_error = SSL_get_error (self->ssl, 0);
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE)
    {
      self->write_wants_read = ssl_error == SSL_ERROR_WANT_READ;
      ERR_clear_error ();
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "No room to write yet");
      return -1;
    }
  r = fail (self, ssl_error, "write", error);
  if (r == 0)
    {
      /* Writing after the peer closed. */
      self->failed = TRUE;
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE, "The peer closed the TLS connection");
      return -1;
    }
  return r;
}

/* A read can answer without the socket: decrypted bytes, received bytes
 * not yet read (receive_buffered()), or the peer's end already seen. */
static gboolean
input_waiting (ObTlsStream *self)
{
  return self->pending || self->carry_len > 0 || self->peer_closed;
}

static GIOCondition
wanted_condition (ObTlsStream *self,
                  gboolean        input)
{
  if (input)
    return self->read_wants_write ? G_IO_OUT : G_IO_IN;
  return self->write_wants_read ? G_IO_IN : G_IO_OUT;
}

gboolean
_ob_tls_stream_is_ready (ObTlsStream *self,
                             gboolean        input)
{
  /* A closed or failed connection is "ready": the call reports it. */
  if (self->closed || (self->ssl == NULL && self->record == NULL) || self->failed || !self->handshaken)
    return TRUE;
  if (input && input_waiting (self))
    return TRUE;
  return (g_socket_condition_check (self->socket, wanted_condition (self, input) | G_IO_ERR | G_IO_HUP)) != 0;
}

/* One source per waiting direction: the socket's fd, polled for what
 * OpenSSL needs, and ready at once while decrypted bytes wait inside it. */
typedef struct
{
  GSource         source;
  ObTlsStream *client;
  GObject        *stream;     /* owned by the client */
  gpointer        tag;
  GIOCondition    events;
  gboolean        input;
} TlsSource;

static gboolean
tls_source_prepare (GSource *source,
                    gint    *timeout)
{
  TlsSource *ts = (TlsSource *) source;
  ObTlsStream *self = ts->client;
  GIOCondition events;

  *timeout = -1;
  if (self->closed || self->failed || (ts->input && input_waiting (self)))
    {
      *timeout = 0;
      return TRUE;
    }
  events = wanted_condition (self, ts->input) | G_IO_ERR | G_IO_HUP;
  /* Only on a change: modifying the fd wakes the context up. */
  if (events != ts->events)
    {
      ts->events = events;
      g_source_modify_unix_fd (source, ts->tag, events);
    }
  return FALSE;
}

static gboolean
tls_source_check (GSource *source)
{
  TlsSource *ts = (TlsSource *) source;
  ObTlsStream *self = ts->client;

  if (self->closed || self->failed || (ts->input && input_waiting (self)))
    return TRUE;
  return (g_source_query_unix_fd (source, ts->tag) & ts->events) != 0;
}

static gboolean
tls_source_dispatch (GSource     *source,
                     GSourceFunc  callback,
                     gpointer     user_data)
{
  GPollableSourceFunc func = (GPollableSourceFunc) (void (*) (void)) callback;

  if (func == NULL)
    return G_SOURCE_REMOVE;
  return func (((TlsSource *) source)->stream, user_data);
}

static void
tls_source_finalize (GSource *source)
{
  g_clear_object (&((TlsSource *) source)->client);
}

static gboolean
tls_source_closure_callback (GObject  *stream,
                             gpointer  data)
{
  GClosure *closure = data;
  GValue param = G_VALUE_INIT;
  GValue result_value = G_VALUE_INIT;
  gboolean result;

  g_value_init (&result_value, G_TYPE_BOOLEAN);
  g_value_init (&param, G_TYPE_OBJECT);
  g_value_set_object (&param, stream);
  g_closure_invoke (closure, &result_value, 1, &param, NULL);
  result = g_value_get_boolean (&result_value);
  g_value_unset (&result_value);
  g_value_unset (&param);
  return result;
}

static GSourceFuncs tls_source_funcs = {
  tls_source_prepare,
  tls_source_check,
  tls_source_dispatch,
  tls_source_finalize,
  (GSourceFunc) (void (*) (void)) tls_source_closure_callback,
  NULL,
};

GSource *
_ob_tls_stream_create_source (ObTlsStream *self,
                                  gboolean        input,
                                  GObject        *stream,
                                  GCancellable   *cancellable)
{
  GSource *source = g_source_new (&tls_source_funcs, sizeof (TlsSource));
  TlsSource *ts = (TlsSource *) source;

  g_source_set_static_name (source, input ? "[outband] TLS input" : "[outband] TLS output");
  ts->client = g_object_ref (self);
  ts->stream = stream;
  ts->input = input;
  ts->events = wanted_condition (self, input) | G_IO_ERR | G_IO_HUP;
  ts->tag = g_source_add_unix_fd (source, g_socket_get_fd (self->socket), ts->events);
  if (cancellable != NULL)
    {
      /* A cancelled cancellable makes the source fire, as GIO's do. */
      g_autoptr(GSource) cancel = g_cancellable_source_new (cancellable);

      g_source_set_dummy_callback (cancel);
      g_source_add_child_source (source, cancel);
    }
  return source;
}

/* ---- hand-over ------------------------------------------------------------------ */

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* OpenSSL's key log (NSS format: "LABEL <client random> <secret>") is the
 * only public way to the TLS 1.3 traffic secrets. */
static void
on_keylog (const SSL  *ssl,
           const char *line)
{
  ObTlsStream *self = SSL_get_app_data (ssl);
  const char *secret_hex;
  guint8 *out;
  gsize *out_len;
  gsize len = 0;

  if (self == NULL || self->secrets == NULL)
    return;
  if (g_str_has_prefix (line, "CLIENT_TRAFFIC_SECRET_0 "))
    {
      out = self->secrets->client;
      out_len = &self->secrets->client_len;
    }
  else if (g_str_has_prefix (line, "SERVER_TRAFFIC_SECRET_0 "))
    {
      out = self->secrets->server;
      out_len = &self->secrets->server_len;
    }
  else
    return;

  secret_hex = strrchr (line, ' ');
  if (secret_hex == NULL)
    return;
  for (secret_hex++; secret_hex[0] != '\0' && secret_hex[1] != '\0' && len < 48; secret_hex += 2)
    {
      int hi = hex_value (secret_hex[0]);
      int lo = hex_value (secret_hex[1]);

      if (hi < 0 || lo < 0)
        return;
      out[len++] = (guint8) (hi << 4 | lo);
    }
  *out_len = len;
}

/* After the handshake: when the suite is one ObTlsRecord protects and
 * nothing waits inside OpenSSL, keep the keys and let the SSL object go.
 * Otherwise (legacy suites, TLS 1.0/1.1) OpenSSL stays. */
static void
hand_over (ObTlsStream *self)
{
  g_autoptr(GError) error = NULL;
  const SSL_CIPHER *cipher = SSL_get_current_cipher (self->ssl);
  const EVP_MD *md = cipher != NULL ? SSL_CIPHER_get_handshake_digest (cipher) : NULL;
  const char *hash = md != NULL ? EVP_MD_get0_name (md) : NULL;
  int version = SSL_version (self->ssl);
  ObTlsRecordCipher record_cipher;
  ObTlsRecord *record = NULL;
  X509 *peer;

  if (cipher == NULL || hash == NULL || SSL_has_pending (self->ssl) || SSL_pending (self->ssl) > 0)
    goto keep_openssl;

  switch (SSL_CIPHER_get_cipher_nid (cipher))
    {
    case NID_aes_128_gcm:
      record_cipher = OB_TLS_RECORD_AES_128_GCM;
      break;
    case NID_aes_256_gcm:
      record_cipher = OB_TLS_RECORD_AES_256_GCM;
      break;
    case NID_chacha20_poly1305:
      record_cipher = OB_TLS_RECORD_CHACHA20_POLY1305;
      break;
    default:
      goto keep_openssl;
    }

  if (version == TLS1_2_VERSION)
    {
      guint8 master[48];
      guint8 client_random[32];
      guint8 server_random[32];
      gsize master_len = SSL_SESSION_get_master_key (SSL_get_session (self->ssl), master, sizeof master);

      if (master_len > 0 &&
          SSL_get_client_random (self->ssl, client_random, sizeof client_random) == sizeof client_random &&
          SSL_get_server_random (self->ssl, server_random, sizeof server_random) == sizeof server_random)
        record = ob_tls_record_new_tls12 (record_cipher, hash, self->is_server, master, master_len,
                                          client_random, server_random, &error);
      OPENSSL_cleanse (master, sizeof master);
    }
  else if (version == TLS1_3_VERSION && self->secrets != NULL &&
           self->secrets->client_len > 0 && self->secrets->client_len == self->secrets->server_len)
    record = ob_tls_record_new_tls13 (record_cipher, hash, self->is_server, self->secrets->client,
                                      self->secrets->server, self->secrets->client_len, &error);

  if (record == NULL)
    {
      if (error != NULL)
        g_debug ("TLS records stay with OpenSSL: %s", error->message);
      goto keep_openssl;
    }

  self->verify_result = SSL_get_verify_result (self->ssl);
  peer = SSL_get0_peer_certificate (self->ssl);
  if (peer != NULL)
    self->peer_common_name = ob_tls_stream_dup_peer_common_name (self);
  self->record = record;
  self->handed_over = TRUE;
  SSL_free (self->ssl);
  self->ssl = NULL;

keep_openssl:
  if (self->secrets != NULL)
    {
      OPENSSL_cleanse (self->secrets, sizeof *self->secrets);
      g_clear_pointer (&self->secrets, g_free);
    }
  ERR_clear_error ();
}

/* ---- handshake -------------------------------------------------------------- */

static void handshake_step (GTask *task);

static gboolean
on_handshake_io (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  GTask *task = user_data;

  handshake_step (task);
  return G_SOURCE_REMOVE;
}

/* The poller's watch: the socket has what OpenSSL waited for. */
static void
on_handshake_ready (gpointer user_data)
{
  ObTlsStream *self = user_data;

  handshake_step (self->handshake_task);
}

/* A handshake that waits on the poller and was cancelled or closed: its
 * answer comes from the task's context, never from inside the call that
 * ended it. */
static gboolean
on_handshake_cancelled_idle (gpointer user_data)
{
  GTask *task = user_data;
  ObTlsStream *self = g_task_get_source_object (task);

  /* Unless it ended meanwhile. */
  if (self->handshake_task == task)
    handshake_step (task);
  return G_SOURCE_REMOVE;
}

static void
handshake_step_later (GTask *task)
{
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_static_name (idle, "[outband] TLS handshake ended");
  g_source_set_callback (idle, on_handshake_cancelled_idle, g_object_ref (task), g_object_unref);
  g_source_attach (idle, g_task_get_context (task));
}

static void
on_handshake_cancelled (GCancellable *cancellable,
                        gpointer      user_data)
{
  handshake_step_later (user_data);
}

/* Before the handshake's task returns: the poller no longer waits for it. */
static void
handshake_stop_waiting (ObTlsStream *self)
{
  g_clear_pointer (&self->handshake_watch, ob_poller_watch_free);
  if (self->handshake_cancel_id != 0)
    g_cancellable_disconnect (self->handshake_cancellable, self->handshake_cancel_id);
  self->handshake_cancel_id = 0;
  g_clear_object (&self->handshake_cancellable);
  g_clear_object (&self->handshake_task);
  self->handshaking = FALSE;
}

/* Waits for @condition on the socket, then steps again. */
static void
handshake_wait (ObTlsStream  *self,
                GTask        *task,
                GIOCondition  condition)
{
  GCancellable *cancellable = g_task_get_cancellable (task);
  g_autoptr(GSource) source = NULL;

  if (self->poller != NULL)
    {
      if (self->handshake_watch == NULL)
        {
          self->handshake_task = g_object_ref (task);
          self->handshake_watch = ob_poller_watch_new (self->poller, g_socket_get_fd (self->socket),
                                                       on_handshake_ready, self);
          if (cancellable != NULL)
            {
              self->handshake_cancellable = g_object_ref (cancellable);
              self->handshake_cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_handshake_cancelled),
                                                                 task, NULL);
            }
        }
      ob_poller_watch_set_events (self->handshake_watch, condition);
      return;
    }

  source = g_socket_create_source (self->socket, condition | G_IO_ERR | G_IO_HUP, cancellable);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_handshake_io, g_object_ref (task),
                         g_object_unref);
  g_source_attach (source, g_task_get_context (task));
}

static void
handshake_step (GTask *task)
{
  g_autoptr(GTask) hold = g_object_ref (task);
  ObTlsStream *self = g_task_get_source_object (task);
  GError *error = NULL;
  int ssl_error;

  if (g_task_return_error_if_cancelled (task))
    {
      handshake_stop_waiting (self);
      return;
    }
  if (self->closed || self->ssl == NULL)
    {
      handshake_stop_waiting (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "The TLS connection was closed");
      return;
    }

  ERR_clear_error ();
  if (SSL_do_handshake (self->ssl) == 1)
    {
      handshake_stop_waiting (self);
      self->handshaken = TRUE;
      /* Static strings: they outlive the SSL object. */
      self->version = SSL_get_version (self->ssl);
      self->cipher_name = SSL_get_cipher_name (self->ssl);
      hand_over (self);
      g_task_return_boolean (task, TRUE);
      return;
    }

  ssl_error = SSL_get_error (self->ssl, 0);
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE)
    {
      ERR_clear_error ();
      handshake_wait (self, task, ssl_error == SSL_ERROR_WANT_READ ? G_IO_IN : G_IO_OUT);
      return;
    }

  handshake_stop_waiting (self);
  if (fail (self, ssl_error, "handshake", &error) == 0)
    error = g_error_new_literal (G_TLS_ERROR, G_TLS_ERROR_EOF, "The peer closed the connection during the TLS handshake");
  g_task_return_error (task, error);
}

void
ob_tls_stream_handshake_async (ObTlsStream      *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (OB_IS_TLS_STREAM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ob_tls_stream_handshake_async);
  if (self->handshaken || self->handshaking)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "The TLS handshake already ran");
      return;
    }
  self->handshaking = TRUE;
  handshake_step (task);
}

void
ob_tls_stream_set_poller (ObTlsStream *self,
                          ObPoller    *poller)
{
  g_return_if_fail (OB_IS_TLS_STREAM (self));
  g_return_if_fail (!self->handshaking && self->handshake_watch == NULL);

  if (poller != NULL)
    ob_poller_ref (poller);
  g_clear_pointer (&self->poller, ob_poller_unref);
  self->poller = poller;
}

gboolean
ob_tls_stream_handshake_finish (ObTlsStream  *self,
                                    GAsyncResult    *result,
                                    GError         **error)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- state ---------------------------------------------------------------------- */

long
ob_tls_stream_get_verify_result (ObTlsStream *self)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), X509_V_ERR_UNSPECIFIED);

  if (!self->handshaken)
    return X509_V_ERR_UNSPECIFIED;
  if (self->record != NULL)
    return self->verify_result;
  if (self->ssl == NULL)
    return X509_V_ERR_UNSPECIFIED;
  return SSL_get_verify_result (self->ssl);
}

char *
ob_tls_stream_dup_peer_common_name (ObTlsStream *self)
{
  X509 *peer;
  X509_NAME *subject;
  int index;
  X509_NAME_ENTRY *entry;
  ASN1_STRING *data;
  unsigned char *utf8 = NULL;
  int len;
  char *cn;

  g_return_val_if_fail (OB_IS_TLS_STREAM (self), NULL);

  if (self->record != NULL)
    return g_strdup (self->peer_common_name);
  if (self->ssl == NULL || !self->handshaken)
    return NULL;
  peer = SSL_get0_peer_certificate (self->ssl);
  if (peer == NULL)
    return NULL;
  subject = X509_get_subject_name (peer);
  index = X509_NAME_get_index_by_NID (subject, NID_commonName, -1);
  if (index < 0)
    return NULL;
  entry = X509_NAME_get_entry (subject, index);
  data = X509_NAME_ENTRY_get_data (entry);
  len = ASN1_STRING_to_UTF8 (&utf8, data);
  if (len < 0)
    return NULL;
  /* A NUL inside the name is not a name. */
  cn = memchr (utf8, 0, (size_t) len) == NULL ? g_strndup ((const char *) utf8, (gsize) len) : NULL;
  OPENSSL_free (utf8);
  return cn;
}

const char *
ob_tls_stream_get_protocol_version (ObTlsStream *self)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), NULL);

  return self->handshaken ? self->version : NULL;
}

GSocket *
ob_tls_stream_get_socket (ObTlsStream *self)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), NULL);
  return self->socket;
}

gboolean
ob_tls_stream_get_handed_over (ObTlsStream *self)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), FALSE);
  return self->handed_over;
}

const char *
ob_tls_stream_get_cipher_name (ObTlsStream *self)
{
  g_return_val_if_fail (OB_IS_TLS_STREAM (self), NULL);

  return self->handshaken ? self->cipher_name : NULL;
}

static ObTlsStream *
stream_new (GSocketConnection  *connection,
            SSL_CTX            *ctx,
            GError            **error)
{
  g_autoptr(ObTlsStream) self = NULL;
  BIO *bio;

  self = g_object_new (OB_TYPE_TLS_STREAM, NULL);
  self->connection = g_object_ref (connection);
  self->socket = g_object_ref (g_socket_connection_get_socket (connection));
  self->ssl = SSL_new (ctx);
  bio = BIO_new (get_bio_method ());
  if (self->ssl == NULL || bio == NULL)
    {
      BIO_free (bio);
      g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_MISC, "Could not set up a TLS connection");
      ERR_clear_error ();
      return NULL;
    }
  BIO_set_data (bio, self);
  SSL_set_bio (self->ssl, bio, bio);
  /* The key log hands over TLS 1.3's secrets (see hand_over); setting
   * the same callback on a shared context again changes nothing. */
  SSL_set_app_data (self->ssl, self);
  SSL_CTX_set_keylog_callback (ctx, on_keylog);
  self->secrets = g_new0 (Secrets, 1);

  return g_steal_pointer (&self);
}

ObTlsStream *
ob_tls_stream_new_client (GSocketConnection  *connection,
                          SSL_CTX            *ctx,
                          const char         *server_name,
                          GError            **error)
{
  g_autoptr(GInetAddress) literal = NULL;
  ObTlsStream *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  self = stream_new (connection, ctx, error);
  if (self == NULL)
    return NULL;
  SSL_set_connect_state (self->ssl);

  literal = server_name != NULL ? g_inet_address_new_from_string (server_name) : NULL;
  if (server_name != NULL && literal == NULL)
    SSL_set_tlsext_host_name (self->ssl, server_name);

  return self;
}

ObTlsStream *
ob_tls_stream_new_server (GSocketConnection  *connection,
                          SSL_CTX            *ctx,
                          GError            **error)
{
  ObTlsStream *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);
  g_return_val_if_fail (ctx != NULL, NULL);

  self = stream_new (connection, ctx, error);
  if (self == NULL)
    return NULL;
  self->is_server = TRUE;
  SSL_set_accept_state (self->ssl);
  /* With an empty certificate store OpenSSL would still try to build the
   * chain on every handshake, only to send the leaf alone: send it
   * without trying. */
  if (sk_X509_OBJECT_num (X509_STORE_get0_objects (SSL_CTX_get_cert_store (ctx))) <= 0)
    SSL_set_mode (self->ssl, SSL_MODE_NO_AUTO_CHAIN);
  return self;
}

/* ---- GIOStream ------------------------------------------------------------------ */

static GInputStream *
ob_tls_stream_get_input_stream (GIOStream *stream)
{
  return OB_TLS_STREAM (stream)->input;
}

static GOutputStream *
ob_tls_stream_get_output_stream (GIOStream *stream)
{
  return OB_TLS_STREAM (stream)->output;
}

/* Never blocks: close_notify goes out if the socket takes it now, then
 * the socket closes and the TLS state is freed. */
static void
close_now (ObTlsStream *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  if (self->record != NULL)
    {
      /* close_notify if the socket takes it now, after what is unsent. */
      if (!self->failed && flush_unsent (self, NULL))
        {
          self->unsent = g_byte_array_new ();
          if (ob_tls_record_seal_close (self->record, self->unsent, NULL))
            flush_unsent (self, NULL);
        }
      g_clear_pointer (&self->unsent, g_byte_array_unref);
      g_clear_pointer (&self->record, ob_tls_record_free);
      drop_payload (self);
    }
  drop_carry (self);
  if (self->ssl != NULL)
    {
      if (self->handshaken && !self->failed)
        {
          ERR_clear_error ();
          SSL_shutdown (self->ssl);
          ERR_clear_error ();
        }
      SSL_free (self->ssl);
      self->ssl = NULL;
    }
  /* A handshake waiting on the poller would never hear of the closed
   * descriptor (epoll forgets it): it ends from the main loop. */
  if (self->handshake_watch != NULL)
    {
      g_clear_pointer (&self->handshake_watch, ob_poller_watch_free);
      handshake_step_later (self->handshake_task);
    }
  g_socket_close (self->socket, NULL);
}

static gboolean
ob_tls_stream_close (GIOStream     *stream,
                         GCancellable  *cancellable,
                         GError       **error)
{
  close_now (OB_TLS_STREAM (stream));
  return TRUE;
}

static void
ob_tls_stream_close_async (GIOStream           *stream,
                               int                  io_priority,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (stream, cancellable, callback, user_data);

  g_task_set_source_tag (task, ob_tls_stream_close_async);
  close_now (OB_TLS_STREAM (stream));
  g_task_return_boolean (task, TRUE);
}

static gboolean
ob_tls_stream_close_finish (GIOStream     *stream,
                                GAsyncResult  *result,
                                GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ob_tls_stream_dispose (GObject *object)
{
  ObTlsStream *self = OB_TLS_STREAM (object);

  if (self->input != NULL)
    _ob_tls_stream_input_stream_detach (OB_TLS_STREAM_INPUT_STREAM (self->input));
  if (self->output != NULL)
    _ob_tls_stream_output_stream_detach (OB_TLS_STREAM_OUTPUT_STREAM (self->output));

  G_OBJECT_CLASS (ob_tls_stream_parent_class)->dispose (object);
}

static void
ob_tls_stream_finalize (GObject *object)
{
  ObTlsStream *self = OB_TLS_STREAM (object);

  if (self->socket != NULL)
    close_now (self);
  g_clear_object (&self->input);
  g_clear_object (&self->output);
  g_clear_object (&self->socket);
  g_clear_object (&self->connection);
  g_clear_error (&self->io_error);
  g_clear_pointer (&self->record, ob_tls_record_free);
  g_clear_pointer (&self->unsent, g_byte_array_unref);
  drop_payload (self);
  drop_carry (self);
  if (self->secrets != NULL)
    OPENSSL_cleanse (self->secrets, sizeof *self->secrets);
  g_clear_pointer (&self->secrets, g_free);
  g_free (self->peer_common_name);
  g_assert (self->handshake_watch == NULL && self->handshake_task == NULL);
  g_clear_pointer (&self->poller, ob_poller_unref);

  G_OBJECT_CLASS (ob_tls_stream_parent_class)->finalize (object);
}

static void
ob_tls_stream_class_init (ObTlsStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GIOStreamClass *stream_class = G_IO_STREAM_CLASS (klass);

  object_class->dispose = ob_tls_stream_dispose;
  object_class->finalize = ob_tls_stream_finalize;

  stream_class->get_input_stream = ob_tls_stream_get_input_stream;
  stream_class->get_output_stream = ob_tls_stream_get_output_stream;
  stream_class->close_fn = ob_tls_stream_close;
  stream_class->close_async = ob_tls_stream_close_async;
  stream_class->close_finish = ob_tls_stream_close_finish;
}

static void
ob_tls_stream_init (ObTlsStream *self)
{
  self->input = _ob_tls_stream_input_stream_new (self);
  self->output = _ob_tls_stream_output_stream_new (self);
}
