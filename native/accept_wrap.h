// accept_wrap.h — the Acceptor for JavaScript (the node interface): accepted fds reach a JS callback.
#pragma once

#include <napi.h>

#include "accept.h"

namespace tusk {

// new Acceptor(fds: number[], onConnections: (fds: number[]) => void) with start/pause/close
class AcceptorWrap : public Napi::ObjectWrap<AcceptorWrap>, public AcceptSink {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AcceptorWrap(const Napi::CallbackInfo& info);

  void OnAccepted(const int* fds, size_t count) override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  Napi::Env env_;
  Acceptor acceptor_;
  Napi::FunctionReference on_connections_;
  Napi::AsyncContext async_context_;
};

}  // namespace tusk
