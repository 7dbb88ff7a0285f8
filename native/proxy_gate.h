// proxy_gate.h — the PROXY protocol at the door: between the Acceptor and whoever serves a
// connection (the engine, or the node interface's JavaScript), it refuses peers not in
// proxy_allow_ips, reads the PROXY header (v1 or v2) before any HTTP byte, and hands the connection
// on with the client the header names. A connection with no header, a malformed or oversized one,
// or none complete within the timeout is closed. Pure C++ over libuv and the socket calls.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "accept.h"
#include "address.h"

namespace tusk {

// Receives connections the gate has let through, positioned at their first HTTP byte.
class AdmitSink {
 public:
  virtual ~AdmitSink() = default;
  // `source` is the client the PROXY header named, or nullptr when the connection's own peer stands
  // (the LOCAL command, an UNKNOWN family). The sink owns `fd` from then on.
  virtual void OnAdmitted(int fd, const Address* source) = 0;
};

struct ProxyOptions {
  AddressList allow;           // proxy_allow_ips
  uint64_t timeout_ms = 10000;  // the whole header must arrive within it (header_timeout)
};

struct PendingHeader;

class ProxyGate : public AcceptSink {
 public:
  ProxyGate(uv_loop_t* loop, const ProxyOptions& options, AdmitSink* sink);
  ~ProxyGate() override;

  void OnAccepted(const int* fds, size_t count) override;
  size_t pending() const { return pending_.size(); }

  // libuv callbacks
  void OnReadable(PendingHeader* p);
  void OnTick();

 private:
  void Read(int fd, PendingHeader* p);  // p is null for a connection not yet waiting
  void Drop(PendingHeader* p);

  uv_loop_t* loop_;
  ProxyOptions options_;
  AdmitSink* sink_;
  uv_timer_t* tick_ = nullptr;
  std::vector<PendingHeader*> pending_;
};

}  // namespace tusk
