// native/tls/session.h — one server-side TLS connection between a non-blocking socket and the HTTP
// engine, over memory BIOs: ciphertext is read from and sent to the fd here, the engine sees only
// plaintext. Read and Send behave like read(2) and send(2) (a byte count, 0 for the end, -1 with
// errno: EAGAIN to wait, EPROTO for a TLS failure), so the engine's I/O code stays the same shape
// for TLS and plain connections. The handshake runs inside Read (the client speaks first);
// SSL_ERROR_WANT_READ is EAGAIN. Handshake messages, alerts and records the socket did not take yet
// wait in `out_` (HasPending, SendPending). A stalled handshake is the engine's header_timeout.
// This data belongs to the Session; the Connection owns the Session.
#pragma once

#include <openssl/ssl.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace tusk::tls {

class Session {
 public:
  explicit Session(SSL_CTX* ctx);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool ok() const { return ssl_ != nullptr; }  // false: OpenSSL could not allocate the session

  // Reads what the socket has and returns the plaintext it decrypts to, at most `cap` bytes (the
  // ciphertext is read into `buf` first, at most cap / 2 of it, so what one call decrypts always
  // fits). 0: the client sent close_notify or closed the socket. -1: errno EAGAIN (nothing to give
  // yet; the handshake may have moved on: see HasPending), EPROTO (a TLS failure; an alert may be
  // pending), or the read's own error.
  ssize_t Read(int fd, char* buf, size_t cap);

  // Encrypts up to kMaxPlain bytes of `data` and sends the records. Returns the plaintext bytes
  // whose records are all sent; -1 with EAGAIN when the socket is full: the caller retries with the
  // same bytes at `data` once it is writable (the records made of them are not made again).
  ssize_t Send(int fd, const char* data, size_t len);

  bool HasPending() const { return off_ < out_.size(); }
  // Sends the records waiting: 1 all sent, 0 the socket is full, -1 an error (errno).
  int SendPending(int fd);

  // Queues close_notify (once, after a completed handshake) and sends what the socket takes now.
  void Shutdown(int fd);

  bool handshake_done() const { return ssl_ != nullptr && SSL_is_init_finished(ssl_); }
  SSL* ssl() const { return ssl_; }

  static constexpr size_t kMaxPlain = 64 * 1024;  // encrypted per Send

 private:
  void Collect();  // records made by OpenSSL (wbio_) into out_

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // ciphertext from the client, owned by ssl_
  BIO* wbio_ = nullptr;  // ciphertext for the client, owned by ssl_
  std::string out_;      // records not sent yet; out_[0, off_) are sent
  size_t off_ = 0;
  size_t unacked_ = 0;   // plaintext bytes encrypted into out_ but not reported as sent yet
  bool closed_ = false;  // close_notify received
  bool shut_ = false;    // close_notify queued
};

}  // namespace tusk::tls
