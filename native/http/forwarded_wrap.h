// http/forwarded_wrap.h — the forwarded-headers rule (forwarded.h) for the node interface, whose
// requests Node's http parses: new Forwarded(allowIps, secureSchemeHeaders) with
// resolve(peerAddress, peerPort, rawHeaders) -> [address, port, secure] and trusts(address). The
// engine applies the same rule to its own requests (server.cc); nothing of it is written in JS.
#pragma once

#include <napi.h>

#include "http/forwarded.h"

namespace tusk::http {

// Reads secureSchemeHeaders (a flat [name, value, ...] array of strings) into the rule.
bool read_secure_headers(Napi::Value value, ForwardedRule* rule, std::string* error);

class ForwardedWrap : public Napi::ObjectWrap<ForwardedWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ForwardedWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Resolve(const Napi::CallbackInfo& info);
  Napi::Value Trusts(const Napi::CallbackInfo& info);

  ForwardedRule rule_;
};

}  // namespace tusk::http
