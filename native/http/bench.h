// native/http/bench.h — entry points for bench/micro.mjs only: each runs one hot piece of the
// engine many times inside C++, so that the figure per operation excludes the N-API call.
#pragma once

#include <napi.h>

namespace tusk::http {

// benchParse(buffer, n) -> head length (parse_head n times over the bytes; negative status on error)
Napi::Value BenchParse(const Napi::CallbackInfo& info);
// benchHead(status, [name, value, ...], contentLength, n) -> head size (append_head n times)
Napi::Value BenchHead(const Napi::CallbackInfo& info);
// benchCall(fn, n) -> undefined (calls fn(id, hasBody) n times the way the engine calls request())
Napi::Value BenchCall(const Napi::CallbackInfo& info);

}  // namespace tusk::http
