// native/http/bridge.cc — JavaScript's view of the engine. A request reaches JavaScript as one
// call, handlers.request(id, hasBody); its method, target and headers become JavaScript strings only
// when asked for (engine.method(id), engine.header(id, name), ...). A whole response is one call,
// engine.respond(id, status, headers, body); streaming uses writeHead/write/end; engine.fail(id)
// answers a request the application could not.
#include "http/bridge.h"

#include <sys/socket.h>

#include "address_wrap.h"
#include "errors.h"
#include "http/access_log_wrap.h"
#include "http/forwarded_wrap.h"
#include "tls/context.h"

namespace tusk::http {

namespace {

uint32_t option(Napi::Object options, const char* name, uint32_t fallback) {
  Napi::Value v = options.Get(name);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : fallback;
}

// Copies a JavaScript string into `out` as UTF-8, reusing out's capacity: one N-API call when it
// fits (the usual case for header names, values and small bodies), two when it has to grow.
void copy_utf8(napi_env env, napi_value value, std::string& out) {
  size_t capacity = out.capacity() < 64 ? 64 : out.capacity();
  out.resize(capacity);
  size_t length = 0;
  napi_get_value_string_utf8(env, value, out.data(), capacity + 1, &length);
  if (length == capacity) {  // maybe cut short: ask for the real length
    napi_get_value_string_utf8(env, value, nullptr, 0, &length);
    out.resize(length);
    napi_get_value_string_utf8(env, value, out.data(), length + 1, &length);
  }
  out.resize(length);
}

double option_double(Napi::Object options, const char* name, double fallback) {
  Napi::Value v = options.Get(name);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

// A byte string (one character per byte): what JavaScript gets of the access records.
napi_value latin1(napi_env env, const std::string& bytes) {
  napi_value out = nullptr;
  napi_create_string_latin1(env, bytes.data(), bytes.size(), &out);
  return out;
}

// The bytes of a Buffer (or a string) option; empty when absent or null.
std::string_view bytes(Napi::Object options, const char* name, std::string* keep) {
  Napi::Value v = options.Get(name);
  if (v.IsBuffer()) {
    Napi::Buffer<char> b = v.As<Napi::Buffer<char>>();
    return std::string_view(b.Data(), b.Length());
  }
  if (v.IsString()) {
    *keep = v.As<Napi::String>().Utf8Value();
    return *keep;
  }
  return std::string_view();
}

// options.tls: { cert, key, ca, verify, ciphers, minVersion } (src/tls.ts TlsMaterial) into an SSL_CTX.
bool read_tls(Napi::Object t, ServerOptions* so, std::string* error) {
  std::string cert_s, key_s, ca_s, ciphers_s, version_s;
  tls::ContextOptions o;
  o.cert = bytes(t, "cert", &cert_s);
  o.key = bytes(t, "key", &key_s);
  o.ca = bytes(t, "ca", &ca_s);
  o.ciphers = bytes(t, "ciphers", &ciphers_s);
  o.min_version = bytes(t, "minVersion", &version_s);
  o.verify = static_cast<int>(option(t, "verify", 0));
  tls::ContextPtr ctx = tls::make_context(o, error);
  if (!ctx) return false;
  so->tls = std::shared_ptr<SSL_CTX>(ctx.release(), tls::ContextFree());
  return true;
}

}  // namespace

Napi::Function EngineWrap::Define(Napi::Env env) {
  return DefineClass(env, "Engine",
                     {
                         InstanceMethod<&EngineWrap::Start>("start"),
                         InstanceMethod<&EngineWrap::Pause>("pause"),
                         InstanceMethod<&EngineWrap::Drain>("drain"),
                         InstanceMethod<&EngineWrap::Connections>("connections"),
                         InstanceMethod<&EngineWrap::Method>("method"),
                         InstanceMethod<&EngineWrap::Target>("target"),
                         InstanceMethod<&EngineWrap::Version>("version"),
                         InstanceMethod<&EngineWrap::Header>("header"),
                         InstanceMethod<&EngineWrap::Headers>("headers"),
                         InstanceMethod<&EngineWrap::Peer>("peer"),
                         InstanceMethod<&EngineWrap::ClientAddress>("client"),
                         InstanceMethod<&EngineWrap::Secure>("secure"),
                         InstanceMethod<&EngineWrap::ReadBody>("readBody"),
                         InstanceMethod<&EngineWrap::PauseBody>("pauseBody"),
                         InstanceMethod<&EngineWrap::Respond>("respond"),
                         InstanceMethod<&EngineWrap::WriteHead>("writeHead"),
                         InstanceMethod<&EngineWrap::Write>("write"),
                         InstanceMethod<&EngineWrap::End>("end"),
                         InstanceMethod<&EngineWrap::Destroy>("destroy"),
                         InstanceMethod<&EngineWrap::Fail>("fail"),
                         InstanceMethod<&EngineWrap::TakeAccessLog>("takeAccessLog"),
                     });
}

EngineWrap::EngineWrap(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<EngineWrap>(info), env_(info.Env()), async_context_(info.Env(), "tusk:request") {
  const char* usage = "new Engine(fds, options, { request, body, drain, abort, idle, accessLog? })";
  if (info.Length() < 3 || !info[0].IsArray() || !info[1].IsObject() || !info[2].IsObject()) {
    throw_type_error(env_, usage);
    return;
  }
  Napi::Object handlers = info[2].As<Napi::Object>();
  const char* names[] = {"request", "body", "drain", "abort", "idle"};
  Napi::FunctionReference* refs[] = {&on_request_, &on_body_, &on_drain_, &on_abort_, &on_idle_};
  for (int i = 0; i < 5; i++) {
    Napi::Value fn = handlers.Get(names[i]);
    if (!fn.IsFunction()) {
      throw_type_error(env_, usage);
      return;
    }
    *refs[i] = Napi::Persistent(fn.As<Napi::Function>());
  }
  Napi::Object options = info[1].As<Napi::Object>();
  ServerOptions so;
  so.limits.request_line = option(options, "limitRequestLine", so.limits.request_line);
  so.limits.fields = option(options, "limitRequestFields", so.limits.fields);
  so.limits.field_size = option(options, "limitRequestFieldSize", so.limits.field_size);
  so.limits.body = static_cast<uint64_t>(option_double(options, "limitRequestBody", 0));
  so.keepalive_ms = static_cast<uint64_t>(option_double(options, "keepaliveMs", 5000));
  so.header_timeout_ms = static_cast<uint64_t>(option_double(options, "headerTimeoutMs", 10000));
  so.max_connections = option(options, "maxConnections", so.max_connections);
  Napi::Value stats = options.Get("stats");
  if (stats.IsArrayBuffer()) {
    Napi::ArrayBuffer block = stats.As<Napi::ArrayBuffer>();
    if (block.ByteLength() < http::kEngineSlots * sizeof(double)) {
      throw_type_error(env_, "Engine: the stats block is too small");
      return;
    }
    stats_block_ = Napi::Persistent(block);
    so.stats = static_cast<double*>(block.Data());
  }
  // accessLog: a format (access_log_wrap.h) turns the log on; handlers.accessLog takes each turn's lines.
  Napi::Value access = options.Get("accessLog");
  std::unique_ptr<AccessLog> access_log;
  if (!access.IsUndefined() && !access.IsNull()) {
    AccessFormat format;
    std::string error;
    Napi::Value taker = handlers.Get("accessLog");
    if (!taker.IsFunction()) error = "handlers.accessLog(lines) takes the access log's lines";
    if (!error.empty() || !read_access_format(access, &format, &error)) {
      throw_type_error(env_, ("accessLog: " + error).c_str());
      return;
    }
    on_access_log_ = Napi::Persistent(taker.As<Napi::Function>());
    access_log = std::make_unique<AccessLog>(std::move(format));
  }
  so.request_timeout_ms = static_cast<uint64_t>(option_double(options, "requestTimeoutMs", 0));
  so.timeout_status = static_cast<uint16_t>(option(options, "timeoutStatus", so.timeout_status));
  so.proxy_protocol = options.Get("proxyProtocol").ToBoolean();
  // Absent lists mean what an empty one does: no peer trusted, no secure scheme header.
  std::string error;
  Napi::Value allow = options.Get("forwardedAllowIps"), secure = options.Get("secureSchemeHeaders");
  if ((!allow.IsUndefined() && !read_address_list(allow, &so.forwarded.trusted, &error)) ||
      (so.proxy_protocol && !read_address_list(options.Get("proxyAllowIps"), &so.proxy_allow, &error)) ||
      (!secure.IsUndefined() && !read_secure_headers(secure, &so.forwarded, &error))) {
    throw_type_error(env_, error.c_str());
    return;
  }
  Napi::Value secure_options = options.Get("tls");
  if (secure_options.IsObject() && !read_tls(secure_options.As<Napi::Object>(), &so, &error)) {
    throw_type_error(env_, error.c_str());
    return;
  }

  std::vector<int> fds;
  Napi::Array list = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value fd = list.Get(i);
    if (!fd.IsNumber()) {
      throw_type_error(env_, usage);
      return;
    }
    fds.push_back(fd.As<Napi::Number>().Int32Value());
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env_, &loop) != napi_ok) {
    throw_type_error(env_, "no libuv loop");
    return;
  }
  server_ = std::make_unique<Server>(loop, so, this);
  if (access_log) server_->EnableAccessLog(std::move(access_log));
  int err = server_->Listen(fds);
  if (err != 0) throw_system_error(env_, "uv_poll_init", err);
}

// ---- engine → JavaScript ----

void EngineWrap::Call(Napi::FunctionReference& fn, std::initializer_list<napi_value> args) {
  fn.MakeCallback(Value(), args, async_context_);
  if (env_.IsExceptionPending()) {
    Napi::Error error = env_.GetAndClearPendingException();
    napi_fatal_exception(env_, error.Value());
  }
}

void EngineWrap::OnRequest(double id, bool has_body) {
  Napi::HandleScope scope(env_);
  Call(on_request_, {Napi::Number::New(env_, id), Napi::Boolean::New(env_, has_body)});
}

void EngineWrap::OnBody(double id, const char* data, size_t len, bool last) {
  Napi::HandleScope scope(env_);
  napi_value chunk = len > 0 ? Napi::Buffer<char>::Copy(env_, data, len) : env_.Null();
  Call(on_body_, {Napi::Number::New(env_, id), chunk, Napi::Boolean::New(env_, last)});
}

void EngineWrap::OnDrain(double id) {
  Napi::HandleScope scope(env_);
  Call(on_drain_, {Napi::Number::New(env_, id)});
}

void EngineWrap::OnAbort(double id) {
  Napi::HandleScope scope(env_);
  Call(on_abort_, {Napi::Number::New(env_, id)});
}

void EngineWrap::OnIdle() {
  Napi::HandleScope scope(env_);
  Call(on_idle_, {});
}

void EngineWrap::OnAccessLog(const std::string& batch) {
  Napi::HandleScope scope(env_);
  Call(on_access_log_, {latin1(env_, batch)});
}

// ---- JavaScript → engine ----

Napi::Value EngineWrap::Start(const Napi::CallbackInfo& info) {
  server_->Start();
  return info.Env().Undefined();
}

Napi::Value EngineWrap::Pause(const Napi::CallbackInfo& info) {
  server_->Pause();
  return info.Env().Undefined();
}

Napi::Value EngineWrap::Drain(const Napi::CallbackInfo& info) {
  server_->Drain();
  return info.Env().Undefined();
}

Napi::Value EngineWrap::Connections(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(server_->connection_count()));
}

Connection* EngineWrap::Lookup(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) return nullptr;
  return server_->Find(info[0].As<Napi::Number>().DoubleValue());
}

Napi::Value EngineWrap::Method(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return Napi::String::New(info.Env(), c->request.method.data(), c->request.method.size());
}

Napi::Value EngineWrap::Target(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return Napi::String::New(info.Env(), c->request.target.data(), c->request.target.size());
}

Napi::Value EngineWrap::Version(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), c->request.version_minor);
}

// header(id, lowerCaseName) -> the value, several lines joined with ", " ("; " for cookie), or undefined
Napi::Value EngineWrap::Header(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr || info.Length() < 2 || !info[1].IsString()) return info.Env().Undefined();
  std::string name = info[1].As<Napi::String>();
  std::string joined;
  const std::string_view* only = nullptr;
  int found = 0;
  const char* separator = name == "cookie" ? "; " : ", ";
  for (uint16_t i = 0; i < c->request.header_count; i++) {
    const tusk::http::Header& h = c->request.headers[i];
    if (!detail::equals_lower(h.name, name)) continue;
    if (found++ == 0) {
      only = &h.value;
      continue;
    }
    if (found == 2) joined.assign(only->data(), only->size());
    joined.append(separator);
    joined.append(h.value.data(), h.value.size());
  }
  if (found == 0) return info.Env().Undefined();
  if (found == 1) return Napi::String::New(info.Env(), only->data(), only->size());
  return Napi::String::New(info.Env(), joined);
}

// headers(id) -> [name, value, name, value, ...] as sent
Napi::Value EngineWrap::Headers(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env, c->request.header_count * 2u);
  for (uint16_t i = 0; i < c->request.header_count; i++) {
    const tusk::http::Header& h = c->request.headers[i];
    out.Set(2u * i, Napi::String::New(env, h.name.data(), h.name.size()));
    out.Set(2u * i + 1, Napi::String::New(env, h.value.data(), h.value.size()));
  }
  return out;
}

// peer(id) -> [address, port] of the connection's peer: the source its PROXY header named, else the
// socket's peer; ["", 0] for a unix socket
Napi::Value EngineWrap::Peer(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return address_pair(info.Env(), server_->Peer(c));
}

// client(id) -> [address, port] of the client, through trusted proxies' forwarded headers
Napi::Value EngineWrap::ClientAddress(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return address_pair(info.Env(), server_->ClientOf(c).address);
}

// secure(id) -> whether a trusted proxy says the client came over https
Napi::Value EngineWrap::Secure(const Napi::CallbackInfo& info) {
  Connection* c = Lookup(info);
  if (c == nullptr) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), server_->ClientOf(c).secure);
}

Napi::Value EngineWrap::ReadBody(const Napi::CallbackInfo& info) {
  bool ok = info.Length() >= 1 && info[0].IsNumber() && server_->ReadBody(info[0].As<Napi::Number>().DoubleValue());
  return Napi::Boolean::New(info.Env(), ok);
}

Napi::Value EngineWrap::PauseBody(const Napi::CallbackInfo& info) {
  bool ok = info.Length() >= 2 && info[0].IsNumber() &&
            server_->PauseBody(info[0].As<Napi::Number>().DoubleValue(), info[1].ToBoolean());
  return Napi::Boolean::New(info.Env(), ok);
}

// Flat [name, value, ...] of strings, checked against response splitting.
bool EngineWrap::ReadHeaders(Napi::Env env, Napi::Value value) {
  header_views_.clear();
  if (value.IsNull() || value.IsUndefined()) return true;
  if (!value.IsArray()) {
    throw_type_error(env, "headers must be a flat array [name, value, ...]");
    return false;
  }
  Napi::Array list = value.As<Napi::Array>();
  uint32_t n = list.Length();
  if (n % 2 != 0) {
    throw_type_error(env, "headers must be a flat array [name, value, ...]");
    return false;
  }
  if (header_strings_.size() < n) header_strings_.resize(n);
  for (uint32_t i = 0; i < n; i++) {
    Napi::Value item = list.Get(i);
    if (!item.IsString()) {
      throw_type_error(env, "header names and values must be strings");
      return false;
    }
    copy_utf8(env, item, header_strings_[i]);
  }
  for (uint32_t i = 0; i < n; i += 2) {
    std::string_view name = header_strings_[i], v = header_strings_[i + 1];
    if (!valid_header_name(name) || !valid_header_value(v)) {
      Napi::TypeError::New(env, "invalid header: " + header_strings_[i]).ThrowAsJavaScriptException();
      return false;
    }
    header_views_.push_back({name, v});
  }
  return true;
}

// A string (UTF-8), a Buffer or any typed array / ArrayBuffer; null or undefined for none.
bool EngineWrap::ReadBytes(Napi::Value value, std::string_view* out) {
  if (value.IsNull() || value.IsUndefined()) {
    *out = std::string_view();
    return true;
  }
  if (value.IsString()) {
    copy_utf8(value.Env(), value, text_body_);
    *out = text_body_;
    return true;
  }
  if (value.IsTypedArray()) {
    Napi::TypedArray array = value.As<Napi::TypedArray>();
    Napi::ArrayBuffer buffer = array.ArrayBuffer();
    *out = std::string_view(static_cast<const char*>(buffer.Data()) + array.ByteOffset(), array.ByteLength());
    return true;
  }
  if (value.IsArrayBuffer()) {
    Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
    *out = std::string_view(static_cast<const char*>(buffer.Data()), buffer.ByteLength());
    return true;
  }
  if (value.IsDataView()) {
    Napi::DataView view = value.As<Napi::DataView>();
    *out = std::string_view(static_cast<const char*>(view.ArrayBuffer().Data()) + view.ByteOffset(), view.ByteLength());
    return true;
  }
  throw_type_error(value.Env(), "a body is a string, a Buffer, a typed array or an ArrayBuffer");
  return false;
}

static bool read_status(const Napi::CallbackInfo& info, size_t index, uint16_t* status) {
  if (info.Length() <= index || !info[index].IsNumber()) return false;
  int32_t s = info[index].As<Napi::Number>().Int32Value();
  if (s < 200 || s > 999) return false;
  *status = static_cast<uint16_t>(s);
  return true;
}

// respond(id, status, headers, body) -> false when the request is gone (client closed, already answered)
Napi::Value EngineWrap::Respond(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint16_t status = 0;
  if (info.Length() < 4 || !info[0].IsNumber() || !read_status(info, 1, &status))
    return throw_type_error(env, "respond(id, status 200-999, headers, body)");
  std::string_view body;
  if (!ReadHeaders(env, info[2]) || !ReadBytes(info[3], &body)) return env.Undefined();
  bool ok = server_->Respond(info[0].As<Napi::Number>().DoubleValue(), status, header_views_.data(),
                             header_views_.size(), body);
  return Napi::Boolean::New(env, ok);
}

// writeHead(id, status, headers, length | -1) -> false when the request is gone
Napi::Value EngineWrap::WriteHead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint16_t status = 0;
  if (info.Length() < 4 || !info[0].IsNumber() || !read_status(info, 1, &status) || !info[3].IsNumber())
    return throw_type_error(env, "writeHead(id, status 200-999, headers, length or -1)");
  if (!ReadHeaders(env, info[2])) return env.Undefined();
  double length = info[3].As<Napi::Number>().DoubleValue();
  bool ok = server_->WriteHead(info[0].As<Napi::Number>().DoubleValue(), status, header_views_.data(),
                               header_views_.size(), length < 0 ? -1 : static_cast<int64_t>(length));
  return Napi::Boolean::New(env, ok);
}

// write(id, chunk) -> 1 written, 0 written but wait for the drain event, -1 the request is gone
Napi::Value EngineWrap::Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string_view chunk;
  if (info.Length() < 2 || !info[0].IsNumber()) return throw_type_error(env, "write(id, chunk)");
  if (!ReadBytes(info[1], &chunk)) return env.Undefined();
  return Napi::Number::New(env, server_->Write(info[0].As<Napi::Number>().DoubleValue(), chunk));
}

// end(id, chunk?) -> false when the request is gone
Napi::Value EngineWrap::End(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string_view chunk;
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "end(id, chunk?)");
  if (info.Length() >= 2 && !ReadBytes(info[1], &chunk)) return env.Undefined();
  return Napi::Boolean::New(env, server_->End(info[0].As<Napi::Number>().DoubleValue(), chunk));
}

Napi::Value EngineWrap::Destroy(const Napi::CallbackInfo& info) {
  bool ok = info.Length() >= 1 && info[0].IsNumber() && server_->Destroy(info[0].As<Napi::Number>().DoubleValue());
  return Napi::Boolean::New(info.Env(), ok);
}

// fail(id) -> false when the request is gone; else a 500 (and a close) or, mid-stream, a close
Napi::Value EngineWrap::Fail(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "fail(id)");
  return Napi::Boolean::New(env, server_->Fail(info[0].As<Napi::Number>().DoubleValue()));
}

// takeAccessLog() -> the access records not handed over yet ("" when none), for a worker about to exit
Napi::Value EngineWrap::TakeAccessLog(const Napi::CallbackInfo& info) {
  if (!server_) return Napi::String::New(info.Env(), "");
  return Napi::Value(info.Env(), latin1(info.Env(), server_->TakeAccessLog()));
}

}  // namespace tusk::http
