// accept.cc — accepts connections on the inherited listeners, driven by Node's libuv loop.
//
// Every worker watches the same shared listening sockets with a uv_poll_t. When a connection
// arrives, each idle worker's epoll reports it; the first to call accept4() wins and the others get
// EAGAIN. A worker busy running JavaScript is not in epoll_wait, so it does not compete: the shared
// queue spreads load toward idle workers, and a blocked worker never strands queued connections
// (unlike one SO_REUSEPORT socket per worker, where the kernel keeps hashing connections to a
// worker that is stuck). With the few workers a machine has cores for, the wasted wake-ups cost
// little; see docs/architecture.md for the measurement.
//
// Each wake-up accepts at most kBatch connections so that one worker does not drain a burst alone.
// EMFILE/ENFILE/ENOBUFS/ENOMEM pause accepting for a short back-off instead of spinning.
#include "accept.h"

#include <sys/socket.h>
#include <unistd.h>

#include "errors.h"

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

Napi::Function Acceptor::Define(Napi::Env env) {
  return DefineClass(env, "Acceptor",
                     {InstanceMethod<&Acceptor::Start>("start"), InstanceMethod<&Acceptor::Pause>("pause"),
                      InstanceMethod<&Acceptor::Close>("close")});
}

Acceptor::Acceptor(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<Acceptor>(info), env_(info.Env()), async_context_(info.Env(), "tusk:accept") {
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsFunction()) {
    throw_type_error(env_, "new Acceptor(fds, onConnections)");
    return;
  }
  if (napi_get_uv_event_loop(env_, &loop_) != napi_ok) {
    throw_type_error(env_, "no libuv loop");
    return;
  }
  on_connections_ = Napi::Persistent(info[1].As<Napi::Function>());
  Napi::Array fds = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < fds.Length(); i++) {
    Napi::Value fd = fds.Get(i);
    if (!fd.IsNumber()) {
      throw_type_error(env_, "new Acceptor(fds, onConnections): fds must be numbers");
      return;
    }
    auto* watch = new ListenerWatch{{}, fd.As<Napi::Number>().Int32Value(), this, false};
    int err = uv_poll_init(loop_, &watch->poll, watch->fd);
    if (err != 0) {
      delete watch;
      throw_system_error(env_, "uv_poll_init", err, "fd " + std::to_string(fd.As<Napi::Number>().Int32Value()));
      return;
    }
    watch->poll.data = watch;
    watches_.push_back(watch);
  }
  backoff_ = new uv_timer_t;
  uv_timer_init(loop_, backoff_);
  backoff_->data = this;
}

Acceptor::~Acceptor() { CloseHandles(); }

// Closes the poll handles (libuv forgets the fds, so the caller may close them) and the timer.
// Handles are freed by their close callbacks and no longer point at this object.
void Acceptor::CloseHandles() {
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

Napi::Value Acceptor::Start(const Napi::CallbackInfo& info) {
  if (!closed_) {
    running_ = true;
    StartWatching();
  }
  return info.Env().Undefined();
}

Napi::Value Acceptor::Pause(const Napi::CallbackInfo& info) {
  running_ = false;
  StopWatching();
  if (backoff_ != nullptr) uv_timer_stop(backoff_);
  return info.Env().Undefined();
}

Napi::Value Acceptor::Close(const Napi::CallbackInfo& info) {
  running_ = false;
  closed_ = true;
  CloseHandles();
  return info.Env().Undefined();
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
  if (count > 0) Deliver(fds, count);
}

void Acceptor::Deliver(const int* fds, size_t count) {
  Napi::HandleScope scope(env_);
  Napi::Array list = Napi::Array::New(env_, count);
  for (size_t i = 0; i < count; i++) list.Set(static_cast<uint32_t>(i), Napi::Number::New(env_, fds[i]));
  on_connections_.MakeCallback(Value(), {list}, async_context_);
  if (env_.IsExceptionPending()) {
    Napi::Error error = env_.GetAndClearPendingException();
    napi_fatal_exception(env_, error.Value());
  }
}

}  // namespace tusk
