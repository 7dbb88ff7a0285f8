// http/access_log_wrap.h — the access log's formatter (access_log.h) for JavaScript: reading a
// format as src/access-format.ts hands it over ({ json, tokens }), for the engine (bridge.cc) and
// for the node interface, whose requests Node's http parses: new AccessFormat(format) with
// line(peer, method, target, versionMinor, status, bytes, micros, headerValues) -> one line (a byte
// string, newline included), headerValues being those of requestHeaders then responseHeaders.
#pragma once

#include <napi.h>

#include "http/access_log.h"

namespace tusk::http {

// { json: boolean, tokens: (string | [atom, arg?])[] } into a compiled format; false with *error.
bool read_access_format(Napi::Value value, AccessFormat* format, std::string* error);

class AccessFormatWrap : public Napi::ObjectWrap<AccessFormatWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit AccessFormatWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Line(const Napi::CallbackInfo& info);
  Napi::Value RequestHeaders(const Napi::CallbackInfo& info);
  Napi::Value ResponseHeaders(const Napi::CallbackInfo& info);

  AccessFormat format_;
  std::vector<std::string> fields_;         // scratch: the record's strings
  std::vector<std::string_view> values_;    // scratch: views of its header values
  std::string line_;                 // scratch
};

}  // namespace tusk::http
