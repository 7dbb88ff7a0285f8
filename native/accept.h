// accept.h — the worker's native accept loop on Node's own libuv loop.
#pragma once

#include <napi.h>
#include <uv.h>

#include <vector>

namespace tusk {

struct ListenerWatch;

// new Acceptor(fds: number[], onConnections: (fds: number[]) => void)
//   .start()  watch the listeners; accepted sockets (non-blocking, close-on-exec) reach onConnections
//   .pause()  stop watching (connection cap reached); queued connections wait in the kernel backlog
//   .close()  stop for good (graceful shutdown); the listener fds may be closed afterwards
class Acceptor : public Napi::ObjectWrap<Acceptor> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Acceptor(const Napi::CallbackInfo& info);
  ~Acceptor() override;

  // Called by a listener's poll handle when it becomes readable.
  void OnReadable(ListenerWatch* watch);
  // Called by the back-off timer after accept ran out of descriptors or memory.
  void OnBackoffDone();

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  void StartWatching();
  void StopWatching();
  void CloseHandles();
  void Deliver(const int* fds, size_t count);

  Napi::Env env_;
  uv_loop_t* loop_ = nullptr;
  std::vector<ListenerWatch*> watches_;
  uv_timer_t* backoff_ = nullptr;
  Napi::FunctionReference on_connections_;
  Napi::AsyncContext async_context_;
  bool running_ = false;
  bool closed_ = false;
};

}  // namespace tusk
