// accept_wrap.cc — N-API face of the Acceptor for the node interface: each wake-up's accepted
// descriptors reach JavaScript in one call, which wraps them in net.Socket.
#include "accept_wrap.h"

#include "address_wrap.h"
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
    throw_type_error(env_, "new Acceptor(fds, onConnections, options?)");
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
  AcceptSink* sink = this;
  if (info.Length() >= 3 && info[2].IsObject() && info[2].As<Napi::Object>().Get("proxyProtocol").ToBoolean()) {
    Napi::Object options = info[2].As<Napi::Object>();
    ProxyOptions proxy;
    std::string error;
    if (!read_address_list(options.Get("proxyAllowIps"), &proxy.allow, &error)) {
      throw_type_error(env_, error.c_str());
      return;
    }
    Napi::Value timeout = options.Get("headerTimeoutMs");
    if (timeout.IsNumber()) proxy.timeout_ms = static_cast<uint64_t>(timeout.As<Napi::Number>().DoubleValue());
    gate_ = std::make_unique<ProxyGate>(loop, proxy, this);
    sink = gate_.get();
  }
  int err = acceptor_.Init(loop, fds, sink);
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
  Deliver({list});
}

void AcceptorWrap::OnAdmitted(int fd, const Address* source) {
  Napi::HandleScope scope(env_);
  Napi::Array list = Napi::Array::New(env_, 1);
  list.Set(0u, Napi::Number::New(env_, fd));
  Napi::Array sources = Napi::Array::New(env_, 1);
  if (source == nullptr) {
    sources.Set(0u, env_.Null());
  } else {
    sources.Set(0u, address_pair(env_, *source));
  }
  Deliver({list, sources});
}

void AcceptorWrap::Deliver(std::initializer_list<napi_value> args) {
  on_connections_.MakeCallback(Value(), args, async_context_);
  if (env_.IsExceptionPending()) {
    Napi::Error error = env_.GetAndClearPendingException();
    napi_fatal_exception(env_, error.Value());
  }
}

}  // namespace tusk
