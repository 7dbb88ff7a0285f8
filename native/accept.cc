// accept.cc — accepts connections on the inherited listeners, driven by Node's libuv loop.
//
// Every worker watches the same shared listening sockets with a uv_poll_t. When a connection
// arrives, each idle worker's epoll reports it; the first to call accept4() wins and the others get
// EAGAIN. A worker busy running JavaScript is not in epoll_wait, so it does not compete: the shared
// queue spreads load toward idle workers, and a worker already stuck takes no new connection
// (unlike one SO_REUSEPORT socket per worker, where the kernel keeps hashing connections to a
// worker that is stuck). docs/architecture.md has the measurements behind this choice.
//
// Each wake-up accepts at most kBatch connections so that one worker does not drain a burst alone.
// EMFILE/ENFILE/ENOBUFS/ENOMEM pause accepting for a short back-off instead of spinning.
#include "accept.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace tusk {

constexpr size_t kBatch = 16;
constexpr uint64_t kBackoffMs = 100;

struct ListenerWatch {
  uv_poll_t poll;
  int fd;
  Acceptor* owner;
  bool active;
};

namespace {

void on_poll(uv_poll_t* handle, int status, int events) {
  auto* watch = static_cast<ListenerWatch*>(handle->data);
  if (watch->owner != nullptr) watch->owner->OnReadable(watch);
}

void on_backoff(uv_timer_t* timer) {
  auto* owner = static_cast<Acceptor*>(timer->data);
  if (owner != nullptr) owner->OnBackoffDone();
}

void free_watch(uv_handle_t* handle) { delete static_cast<ListenerWatch*>(handle->data); }
void free_timer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

}  // namespace

int Acceptor::Init(uv_loop_t* loop, const std::vector<int>& fds, AcceptSink* sink) {
  sink_ = sink;
  for (int fd : fds) {
    auto* watch = new ListenerWatch{{}, fd, this, false};
    int err = uv_poll_init(loop, &watch->poll, fd);
    if (err != 0) {
      delete watch;
      return err;
    }
    watch->poll.data = watch;
    watches_.push_back(watch);
  }
  backoff_ = new uv_timer_t;
  uv_timer_init(loop, backoff_);
  backoff_->data = this;
  return 0;
}

Acceptor::~Acceptor() { Close(); }

void Acceptor::StartWatching() {
  for (ListenerWatch* watch : watches_) {
    if (!watch->active && uv_poll_start(&watch->poll, UV_READABLE, on_poll) == 0) watch->active = true;
  }
}

void Acceptor::StopWatching() {
  for (ListenerWatch* watch : watches_) {
    if (watch->active) uv_poll_stop(&watch->poll);
    watch->active = false;
  }
}

void Acceptor::Start() {
  if (closed_) return;
  running_ = true;
  StartWatching();
}

void Acceptor::Pause() {
  running_ = false;
  StopWatching();
  if (backoff_ != nullptr) uv_timer_stop(backoff_);
}

// Closing the poll handles makes libuv forget the fds at once; the handles free themselves.
void Acceptor::Close() {
  running_ = false;
  closed_ = true;
  for (ListenerWatch* watch : watches_) {
    watch->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&watch->poll), free_watch);
  }
  watches_.clear();
  if (backoff_ != nullptr) {
    backoff_->data = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(backoff_), free_timer);
    backoff_ = nullptr;
  }
}

void Acceptor::OnBackoffDone() {
  if (running_) StartWatching();
}

void Acceptor::OnReadable(ListenerWatch* watch) {
  int fds[kBatch];
  size_t count = 0;
  while (count < kBatch) {
    int fd = accept4(watch->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      fds[count++] = fd;
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      StopWatching();
      if (backoff_ != nullptr) uv_timer_start(backoff_, on_backoff, kBackoffMs, 0);
    }
    break;  // EAGAIN: another worker took it, or the queue is empty
  }
  if (count > 0) sink_->OnAccepted(fds, count);
}

}  // namespace tusk
