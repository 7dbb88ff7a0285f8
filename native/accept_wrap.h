// accept_wrap.h — the Acceptor for JavaScript (the node interface): accepted fds reach a JS callback,
// through the PROXY protocol gate when it is on.
#pragma once

#include <napi.h>

#include <memory>

#include "accept.h"
#include "proxy_gate.h"

namespace tusk {

// new Acceptor(fds: number[], onConnections: (fds: number[], sources?) => void, options?) with
// start/pause/close. options.proxyProtocol puts the PROXY gate in front (proxyAllowIps,
// headerTimeoutMs); each connection then comes with the [address, port] its header named, or null.
class AcceptorWrap : public Napi::ObjectWrap<AcceptorWrap>, public AcceptSink, public AdmitSink {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AcceptorWrap(const Napi::CallbackInfo& info);

  void OnAccepted(const int* fds, size_t count) override;
  void OnAdmitted(int fd, const Address* source) override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  Napi::Env env_;
  Acceptor acceptor_;
  std::unique_ptr<ProxyGate> gate_;
  Napi::FunctionReference on_connections_;
  Napi::AsyncContext async_context_;
  void Deliver(std::initializer_list<napi_value> args);
};

}  // namespace tusk
