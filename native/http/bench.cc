// native/http/bench.cc — the engine's hot pieces, isolated for tinybench (bench/micro.mjs).
#include "http/bench.h"

#include <string>
#include <vector>

#include "errors.h"
#include "http/parser.h"
#include "http/response.h"

namespace tusk::http {

namespace {

uint32_t count_arg(const Napi::CallbackInfo& info, size_t index) {
  return info.Length() > index && info[index].IsNumber() ? info[index].As<Napi::Number>().Uint32Value() : 1;
}

}  // namespace

Napi::Value BenchParse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) return throw_type_error(env, "benchParse(buffer, n)");
  Napi::Buffer<char> buf = info[0].As<Napi::Buffer<char>>();
  uint32_t n = count_arg(info, 1);
  Limits limits;
  Request request;
  double result = 0;
  for (uint32_t i = 0; i < n; i++) {
    Result r = parse_head(buf.Data(), buf.Length(), limits, request, nullptr);
    result = r.status == Status::Complete ? static_cast<double>(request.head_length)
                                          : -static_cast<double>(r.error.http_status);
  }
  return Napi::Number::New(env, result);
}

Napi::Value BenchHead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsNumber())
    return throw_type_error(env, "benchHead(status, headers, contentLength, n)");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<std::string> strings;
  for (uint32_t i = 0; i < list.Length(); i++) strings.push_back(list.Get(i).ToString().Utf8Value());
  std::vector<HeaderView> headers;
  for (size_t i = 0; i + 1 < strings.size(); i += 2) headers.push_back({strings[i], strings[i + 1]});
  HeadPlan plan;
  plan.status = static_cast<uint16_t>(info[0].As<Napi::Number>().Uint32Value());
  plan.has_length = true;
  plan.length = static_cast<uint64_t>(info[2].As<Napi::Number>().DoubleValue());
  uint32_t n = count_arg(info, 3);
  std::string out;
  out.reserve(512);
  for (uint32_t i = 0; i < n; i++) {
    out.clear();
    append_head(out, plan, headers.data(), headers.size());
  }
  return Napi::Number::New(env, static_cast<double>(out.size()));
}

Napi::Value BenchCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) return throw_type_error(env, "benchCall(fn, n)");
  Napi::Function fn = info[0].As<Napi::Function>();
  Napi::AsyncContext context(env, "tusk:bench");
  Napi::Object receiver = Napi::Object::New(env);
  uint32_t n = count_arg(info, 1);
  for (uint32_t i = 0; i < n && !env.IsExceptionPending(); i++) {
    Napi::HandleScope scope(env);
    fn.MakeCallback(receiver, {Napi::Number::New(env, i + 1), Napi::Boolean::New(env, false)}, context);
  }
  return env.Undefined();
}

}  // namespace tusk::http
