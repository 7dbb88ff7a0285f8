// http/access_log_wrap.cc — the access log's formatter for JavaScript (see access_log_wrap.h).
#include "http/access_log_wrap.h"

#include <string>
#include <vector>

#include "errors.h"

namespace tusk::http {

namespace {

// A byte string (one character per byte), as Node's http hands over request lines and headers.
bool bytes_of(napi_env env, napi_value value, std::string* out) {
  size_t length = 0;
  if (napi_get_value_string_latin1(env, value, nullptr, 0, &length) != napi_ok) return false;
  out->resize(length);
  return napi_get_value_string_latin1(env, value, out->data(), length + 1, &length) == napi_ok;
}

Napi::Array names(Napi::Env env, const std::vector<std::string>& list) {
  Napi::Array out = Napi::Array::New(env, list.size());
  for (uint32_t i = 0; i < list.size(); i++) out.Set(i, Napi::String::New(env, list[i]));
  return out;
}

}  // namespace

bool read_access_format(Napi::Value value, AccessFormat* format, std::string* error) {
  const char* shape = "an access format is { json: boolean, tokens: (string | [atom, argument?])[] }";
  if (!value.IsObject()) return *error = shape, false;
  Napi::Object o = value.As<Napi::Object>();
  Napi::Value json = o.Get("json"), list = o.Get("tokens");
  if (!json.IsBoolean() || !list.IsArray()) return *error = shape, false;
  Napi::Array tokens = list.As<Napi::Array>();
  std::vector<AccessFormat::Token> parsed(tokens.Length());
  for (uint32_t i = 0; i < tokens.Length(); i++) {
    Napi::Value t = tokens.Get(i);
    AccessFormat::Token& token = parsed[i];
    if (t.IsString()) {
      if (!bytes_of(value.Env(), t, &token.text)) return *error = shape, false;
      continue;
    }
    if (!t.IsArray()) return *error = shape, false;
    Napi::Array pair = t.As<Napi::Array>();
    Napi::Value atom = pair.Get(0u), arg = pair.Get(1u);
    if (!atom.IsString() || !(arg.IsString() || arg.IsUndefined())) return *error = shape, false;
    token.atom = atom.As<Napi::String>().Utf8Value();
    if (arg.IsString() && !bytes_of(value.Env(), arg, &token.text)) return *error = shape, false;
  }
  return format->Compile(json.As<Napi::Boolean>(), parsed, error);
}

Napi::Function AccessFormatWrap::Define(Napi::Env env) {
  return DefineClass(env, "AccessFormat",
                     {InstanceMethod<&AccessFormatWrap::Line>("line"),
                      InstanceAccessor<&AccessFormatWrap::RequestHeaders>("requestHeaders"),
                      InstanceAccessor<&AccessFormatWrap::ResponseHeaders>("responseHeaders")});
}

AccessFormatWrap::AccessFormatWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AccessFormatWrap>(info) {
  std::string error;
  if (info.Length() < 1 || !read_access_format(info[0], &format_, &error)) throw_type_error(info.Env(), error.c_str());
}

Napi::Value AccessFormatWrap::RequestHeaders(const Napi::CallbackInfo& info) { return names(info.Env(), format_.request_headers()); }
Napi::Value AccessFormatWrap::ResponseHeaders(const Napi::CallbackInfo& info) { return names(info.Env(), format_.response_headers()); }

// line(peer, method, target, versionMinor, status, bytes, micros, headerValues) -> the line, newline
// included; headerValues: one string per request header, then per response header, of the format.
Napi::Value AccessFormatWrap::Line(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "line(peer, method, target, versionMinor, status, bytes, micros, headerValues)";
  const size_t n_request = format_.request_headers().size();
  const size_t want = n_request + format_.response_headers().size();
  if (info.Length() < 8 || !info[3].IsNumber() || !info[4].IsNumber() || !info[5].IsNumber() || !info[6].IsNumber() ||
      !info[7].IsArray() || info[7].As<Napi::Array>().Length() != want) {
    throw_type_error(env, usage);
    return env.Undefined();
  }
  Napi::Array list = info[7].As<Napi::Array>();
  fields_.resize(3 + want);
  for (uint32_t i = 0; i < 3 + want; i++) {
    Napi::Value v = i < 3 ? info[i] : list.Get(i - 3);
    if (!v.IsString() || !bytes_of(env, v, &fields_[i])) {
      throw_type_error(env, usage);
      return env.Undefined();
    }
  }
  values_.assign(fields_.begin() + 3, fields_.end());
  AccessRecord r;
  r.peer = fields_[0];
  r.method = fields_[1];
  r.target = fields_[2];
  r.version_minor = info[3].As<Napi::Number>().Int32Value() == 0 ? 0 : 1;
  r.status = static_cast<uint16_t>(info[4].As<Napi::Number>().Uint32Value());
  r.bytes = static_cast<uint64_t>(info[5].As<Napi::Number>().Int64Value());
  r.micros = static_cast<uint64_t>(info[6].As<Napi::Number>().Int64Value());
  r.request_headers = values_.data();
  r.response_headers = values_.data() + n_request;
  line_.clear();
  format_.Render(r, line_);
  napi_value out = nullptr;
  napi_create_string_latin1(env, line_.data(), line_.size(), &out);
  return Napi::Value(env, out);
}

}  // namespace tusk::http
