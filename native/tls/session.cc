// native/tls/session.cc — a TLS connection over memory BIOs (see session.h).
#include "tls/session.h"

#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace tusk::tls {

Session::Session(SSL_CTX* ctx) {
  SSL* ssl = SSL_new(ctx);
  BIO* rbio = BIO_new(BIO_s_mem());
  BIO* wbio = BIO_new(BIO_s_mem());
  if (ssl == nullptr || rbio == nullptr || wbio == nullptr) {
    SSL_free(ssl);
    BIO_free(rbio);
    BIO_free(wbio);
    ERR_clear_error();
    return;
  }
  // An empty memory BIO says "retry", not "end of file": OpenSSL then reports SSL_ERROR_WANT_READ.
  BIO_set_mem_eof_return(rbio, -1);
  BIO_set_mem_eof_return(wbio, -1);
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_accept_state(ssl);
  ssl_ = ssl;
  rbio_ = rbio;
  wbio_ = wbio;
}

Session::~Session() { SSL_free(ssl_); }

void Session::Collect() {
  char* data = nullptr;
  long len = BIO_get_mem_data(wbio_, &data);
  if (len <= 0) return;
  if (off_ == out_.size()) {
    out_.clear();
    off_ = 0;
  }
  out_.append(data, static_cast<size_t>(len));
  (void)BIO_reset(wbio_);
}

ssize_t Session::Read(int fd, char* buf, size_t cap) {
  if (closed_) return 0;
  ssize_t n;
  do {
    n = ::read(fd, buf, cap / 2);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
  bool peer_closed = n == 0;
  if (n > 0 && BIO_write(rbio_, buf, static_cast<int>(n)) != n) {
    ERR_clear_error();
    errno = ENOMEM;
    return -1;
  }
  size_t got = 0;
  while (got < cap) {
    int r = SSL_read(ssl_, buf + got, static_cast<int>(std::min<size_t>(cap - got, 1 << 30)));
    if (r > 0) {
      got += static_cast<size_t>(r);
      continue;
    }
    int e = SSL_get_error(ssl_, r);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      closed_ = true;
      break;
    }
    // A bad record, a failed handshake (its alert is in wbio_), or a renegotiation attempt.
    ERR_clear_error();
    Collect();
    errno = EPROTO;
    return -1;
  }
  Collect();  // handshake messages, session tickets
  if (got > 0) return static_cast<ssize_t>(got);
  if (closed_ || peer_closed) return 0;
  errno = EAGAIN;
  return -1;
}

int Session::SendPending(int fd) {
  while (off_ < out_.size()) {
    ssize_t n = ::send(fd, out_.data() + off_, out_.size() - off_, MSG_NOSIGNAL);
    if (n > 0) {
      off_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }
  out_.clear();
  off_ = 0;
  return 1;
}

ssize_t Session::Send(int fd, const char* data, size_t len) {
  int sent = SendPending(fd);
  if (sent < 0) return -1;
  if (sent == 0) {
    errno = EAGAIN;
    return -1;
  }
  if (unacked_ > 0) {  // the records of the bytes at `data` went out since the last call
    size_t n = std::min(unacked_, len);
    unacked_ = 0;
    return static_cast<ssize_t>(n);
  }
  if (len == 0) return 0;
  if (!SSL_is_init_finished(ssl_)) {  // nothing is answered before the handshake ends
    errno = EPROTO;
    return -1;
  }
  size_t take = std::min(len, kMaxPlain);
  int r = SSL_write(ssl_, data, static_cast<int>(take));
  if (r <= 0) {
    ERR_clear_error();
    errno = EPROTO;
    return -1;
  }
  Collect();
  sent = SendPending(fd);
  if (sent < 0) return -1;
  if (sent == 0) {
    unacked_ = static_cast<size_t>(r);
    errno = EAGAIN;
    return -1;
  }
  return r;
}

void Session::Shutdown(int fd) {
  if (shut_ || !SSL_is_init_finished(ssl_)) return;
  shut_ = true;
  SSL_shutdown(ssl_);  // queues close_notify; the client's is not waited for
  ERR_clear_error();
  Collect();
  SendPending(fd);
}

}  // namespace tusk::tls
