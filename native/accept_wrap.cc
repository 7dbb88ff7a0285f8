// accept_wrap.cc — N-API face of the Acceptor for the node interface: each wake-up's accepted
// descriptors reach JavaScript in one call, which wraps them in net.Socket.
#include "accept_wrap.h"

#include "errors.h"

namespace tusk {

Napi::Function AcceptorWrap::Define(Napi::Env env) {
  return DefineClass(env, "Acceptor",
                     {InstanceMethod<&AcceptorWrap::Start>("start"), InstanceMethod<&AcceptorWrap::Pause>("pause"),
                      InstanceMethod<&AcceptorWrap::Close>("close")});
}

AcceptorWrap::AcceptorWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<AcceptorWrap>(info), env_(info.Env()), async_context_(info.Env(), "tusk:accept") {
  if (info.Length() < 2 || !info[0].IsArray() || !info[1].IsFunction()) {
    throw_type_error(env_, "new Acceptor(fds, onConnections)");
    return;
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok) {
    throw_type_error(env_, "no libuv loop");
    return;
  }
  std::vector<int> fds;
  Napi::Array list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value fd = list.Get(i);
    if (!fd.IsNumber()) {
      throw_type_error(env_, "new Acceptor(fds, onConnections): fds must be numbers");
      return;
    }
    fds.push_back(fd.As<Napi::Number>().Int32Value());
  }
  on_connections_ = Napi::Persistent(info[1].As<Napi::Function>());
  int err = acceptor_.Init(loop, fds, this);
  if (err != 0) throw_system_error(env_, "uv_poll_init", err);
}

Napi::Value AcceptorWrap::Start(const Napi::CallbackInfo& info) {
  acceptor_.Start();
  return info.Env().Undefined();
}

Napi::Value AcceptorWrap::Pause(const Napi::CallbackInfo& info) {
  acceptor_.Pause();
  return info.Env().Undefined();
}

Napi::Value AcceptorWrap::Close(const Napi::CallbackInfo& info) {
  acceptor_.Close();
  return info.Env().Undefined();
}

void AcceptorWrap::OnAccepted(const int* fds, size_t count) {
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
