// native/http/bridge.h — the engine's N-API surface: one JavaScript call per request, request
// fields read lazily by id, and a response written by one native call.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "http/response.h"
#include "http/server.h"

namespace tusk::http {

// new Engine(fds, options, handlers) — see src/native.ts for the typed surface.
class EngineWrap : public Napi::ObjectWrap<EngineWrap>, public EngineEvents {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit EngineWrap(const Napi::CallbackInfo& info);

  void OnRequest(double id, bool has_body) override;
  void OnBody(double id, const char* data, size_t len, bool last) override;
  void OnDrain(double id) override;
  void OnAbort(double id) override;
  void OnIdle() override;
  void OnAccessLog(const std::string& batch) override;

 private:
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value Connections(const Napi::CallbackInfo& info);
  Napi::Value Method(const Napi::CallbackInfo& info);
  Napi::Value Target(const Napi::CallbackInfo& info);
  Napi::Value Version(const Napi::CallbackInfo& info);
  Napi::Value Header(const Napi::CallbackInfo& info);
  Napi::Value Headers(const Napi::CallbackInfo& info);
  Napi::Value Peer(const Napi::CallbackInfo& info);
  Napi::Value ClientAddress(const Napi::CallbackInfo& info);
  Napi::Value Secure(const Napi::CallbackInfo& info);
  Napi::Value ReadBody(const Napi::CallbackInfo& info);
  Napi::Value PauseBody(const Napi::CallbackInfo& info);
  Napi::Value Respond(const Napi::CallbackInfo& info);
  Napi::Value WriteHead(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value End(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value Fail(const Napi::CallbackInfo& info);
  Napi::Value TakeAccessLog(const Napi::CallbackInfo& info);

  Connection* Lookup(const Napi::CallbackInfo& info);
  bool ReadHeaders(Napi::Env env, Napi::Value value);
  bool ReadBytes(Napi::Value value, std::string_view* out);
  void Call(Napi::FunctionReference& fn, std::initializer_list<napi_value> args);

  Napi::Env env_;
  std::unique_ptr<Server> server_;
  Napi::FunctionReference on_request_, on_body_, on_drain_, on_abort_, on_idle_, on_access_log_;
  Napi::AsyncContext async_context_;
  Napi::Reference<Napi::ArrayBuffer> stats_block_;  // kept mapped while the engine counts into it
  // Scratch space reused by every response: header strings and their views, a string body.
  std::vector<std::string> header_strings_;
  std::vector<HeaderView> header_views_;
  std::string text_body_;
};

}  // namespace tusk::http
