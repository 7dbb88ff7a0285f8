// accept.h — the worker's native accept loop on Node's own libuv loop. Pure C++ over libuv: the
// node interface wraps it for JavaScript (accept_wrap.cc), the HTTP engine uses it directly.
#pragma once

#include <uv.h>

#include <cstddef>
#include <vector>

namespace tusk {

struct ListenerWatch;

// Receives accepted sockets: non-blocking, close-on-exec, owned by the sink from then on.
class AcceptSink {
 public:
  virtual ~AcceptSink() = default;
  virtual void OnAccepted(const int* fds, size_t count) = 0;
};

class Acceptor {
 public:
  // Returns 0 or a negative libuv error (an fd that cannot be polled).
  int Init(uv_loop_t* loop, const std::vector<int>& fds, AcceptSink* sink);
  ~Acceptor();

  void Start();  // watch the listeners
  void Pause();  // stop watching (connection cap); queued connections wait in the kernel backlog
  void Close();  // stop for good and forget the fds (they may be closed afterwards)

  // Called by a listener's poll handle and by the back-off timer.
  void OnReadable(ListenerWatch* watch);
  void OnBackoffDone();

 private:
  void StartWatching();
  void StopWatching();

  std::vector<ListenerWatch*> watches_;
  uv_timer_t* backoff_ = nullptr;
  AcceptSink* sink_ = nullptr;
  bool running_ = false;
  bool closed_ = false;
};

}  // namespace tusk
