// stats.cc — maps a worker's stats file (shared memory, made by the master in the worker tmp dir)
// as an ArrayBuffer, in the worker (whose engine counts into it, http/stats.h) and in the master
// (which reads it). Also hands TypeScript the block's layout, so that it is written down once.
#include "stats.h"

#include <sys/mman.h>

#include "errors.h"
#include "http/stats.h"

namespace tusk {
namespace {

void unmap(napi_env, void* data, void* hint) { munmap(data, reinterpret_cast<size_t>(hint)); }

}  // namespace

Napi::Value StatsMap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return throw_type_error(env, "statsMap(fd, bytes)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  double want = info[1].As<Napi::Number>().DoubleValue();
  if (want < static_cast<double>(http::kEngineSlots * sizeof(double)) || want > (1 << 26))
    return throw_type_error(env, "statsMap: bytes out of range");
  size_t bytes = static_cast<size_t>(want);
  void* data = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) return throw_system_error(env, "mmap", last_error());
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, data, bytes, unmap, reinterpret_cast<void*>(bytes), &buffer) != napi_ok) {
    munmap(data, bytes);
    return throw_type_error(env, "statsMap: external ArrayBuffers are not allowed in this runtime");
  }
  return Napi::Value(env, buffer);
}

Napi::Value StatsLayout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object slots = Napi::Object::New(env);
  const std::pair<const char*, http::StatSlot> names[] = {
      {"requests", http::kRequests},       {"bytesIn", http::kBytesIn},
      {"bytesOut", http::kBytesOut},       {"connectionsTotal", http::kConnectionsTotal},
      {"connectionsOpen", http::kConnectionsOpen}, {"inFlight", http::kInFlight},
      {"aborted", http::kAborted},         {"durationSum", http::kDurationSum},
      {"statusOther", http::kStatusOther}, {"loopLagP50", http::kLoopLagP50},
      {"loopLagP99", http::kLoopLagP99},
  };
  for (const auto& [name, slot] : names) slots.Set(name, Napi::Number::New(env, slot));
  Napi::Array bounds = Napi::Array::New(env, http::kDurationBuckets - 1);
  for (size_t i = 0; i + 1 < http::kDurationBuckets; i++) bounds.Set(static_cast<uint32_t>(i), Napi::Number::New(env, http::kDurationBounds[i]));
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("slots", slots);
  layout.Set("statusBase", Napi::Number::New(env, http::kStatusBase));
  layout.Set("bucketBase", Napi::Number::New(env, http::kBucketBase));
  layout.Set("bounds", bounds);
  layout.Set("engineSlots", Napi::Number::New(env, static_cast<double>(http::kEngineSlots)));
  return layout;
}

}  // namespace tusk
