// proxy_gate.cc — reading the PROXY header after accept (see proxy_gate.h).
//
// The header is peeked (MSG_PEEK) and parsed where it lies; once it is complete exactly its bytes
// are read off the socket, so the first HTTP byte is the next one the server reads and no byte is
// ever carried from here to the server. Listeners use TCP_DEFER_ACCEPT, so the header is nearly
// always there at accept; when it is not, the connection waits on its own poll handle, and the
// one-second tick closes the ones whose header has not arrived in time.
#include "proxy_gate.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "http/proxy_header.h"
#include "sockaddr.h"

namespace tusk {

struct PendingHeader {
  uv_poll_t poll;
  ProxyGate* gate;
  int fd;
  uint64_t deadline;
  std::string got;  // header bytes taken off the socket so far
};

namespace {

// Connections waiting for their header, past which new ones are refused (a flood of silent peers
// must not hold descriptors without bound; they are trusted peers, so this is a safety net).
constexpr size_t kMaxPending = 4096;

void on_readable(uv_poll_t* handle, int status, int events) {
  auto* p = static_cast<PendingHeader*>(handle->data);
  p->gate->OnReadable(p);
}
void on_tick(uv_timer_t* handle) { static_cast<ProxyGate*>(handle->data)->OnTick(); }
void free_pending(uv_handle_t* handle) { delete static_cast<PendingHeader*>(handle->data); }
void free_timer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

}  // namespace

ProxyGate::ProxyGate(uv_loop_t* loop, const ProxyOptions& options, AdmitSink* sink)
    : loop_(loop), options_(options), sink_(sink) {
  tick_ = new uv_timer_t;
  uv_timer_init(loop_, tick_);
  tick_->data = this;
  uv_timer_start(tick_, on_tick, 1000, 1000);
  uv_unref(reinterpret_cast<uv_handle_t*>(tick_));
}

ProxyGate::~ProxyGate() {
  while (!pending_.empty()) Drop(pending_.back());
  uv_close(reinterpret_cast<uv_handle_t*>(tick_), free_timer);
}

void ProxyGate::OnAccepted(const int* fds, size_t count) {
  for (size_t i = 0; i < count; i++) {
    Address peer;
    if (!peer_address(fds[i], &peer) || !options_.allow.Contains(peer)) {
      ::close(fds[i]);  // not a proxy we trust: it may not speak for anyone
      continue;
    }
    Read(fds[i], nullptr);
  }
}

void ProxyGate::Read(int fd, PendingHeader* p) {
  // What arrived earlier (only header bytes) followed by what is waiting on the socket now.
  char buf[http::kMaxProxyHeader];
  size_t have = p != nullptr ? p->got.size() : 0;
  if (have > 0) std::memcpy(buf, p->got.data(), have);
  ssize_t n;
  do {
    n = ::recv(fd, buf + have, sizeof buf - have, MSG_PEEK);
  } while (n < 0 && errno == EINTR);
  bool again = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  http::ProxyHeader h;
  if (n > 0) h = http::parse_proxy_header(buf, have + static_cast<size_t>(n));
  bool incomplete = n > 0 && h.status == http::ProxyStatus::Incomplete && have + static_cast<size_t>(n) < sizeof buf;
  // Bytes to take off the socket now: all of them while the header is incomplete (so that a poll
  // handle does not wake again for bytes already seen), exactly the rest of the header when done.
  size_t take = incomplete ? static_cast<size_t>(n) : h.status == http::ProxyStatus::Done && n > 0 ? h.length - have : 0;
  bool ok = again || incomplete || (n > 0 && h.status == http::ProxyStatus::Done);
  if (ok && take > 0) {
    ssize_t taken;
    do {
      taken = ::recv(fd, buf + have, take, 0);
    } while (taken < 0 && errno == EINTR);
    ok = taken == static_cast<ssize_t>(take);
  }
  if (ok && (again || incomplete)) {
    if (p == nullptr) {
      if (pending_.size() >= kMaxPending) return (void)::close(fd);
      p = new PendingHeader{{}, this, fd, uv_now(loop_) + options_.timeout_ms, {}};
      if (uv_poll_init(loop_, &p->poll, fd) != 0) {
        delete p;
        return (void)::close(fd);
      }
      p->poll.data = p;
      uv_poll_start(&p->poll, UV_READABLE, on_readable);
      pending_.push_back(p);
    }
    p->got.append(buf + have, take);
    return;
  }
  if (p != nullptr) {
    p->fd = -1;  // the fd is handed on or closed below; the handle goes without touching it
    Drop(p);
  }
  // No header, a malformed or oversized one, an error, or the peer left.
  if (!ok) return (void)::close(fd);
  sink_->OnAdmitted(fd, h.has_source ? &h.source : nullptr);
}

void ProxyGate::OnReadable(PendingHeader* p) { Read(p->fd, p); }

void ProxyGate::OnTick() {
  uint64_t now = uv_now(loop_);
  std::vector<PendingHeader*> expired;
  for (PendingHeader* p : pending_) {
    if (now >= p->deadline) expired.push_back(p);
  }
  for (PendingHeader* p : expired) Drop(p);
}

// Forgets a waiting connection, closing its fd unless it was handed on.
void ProxyGate::Drop(PendingHeader* p) {
  pending_.erase(std::find(pending_.begin(), pending_.end(), p));
  uv_close(reinterpret_cast<uv_handle_t*>(&p->poll), free_pending);
  if (p->fd >= 0) ::close(p->fd);
}

}  // namespace tusk
