// http/forwarded_wrap.cc — the forwarded-headers rule for JavaScript (see forwarded_wrap.h).
#include "http/forwarded_wrap.h"

#include <string>
#include <vector>

#include "address_wrap.h"
#include "errors.h"

namespace tusk::http {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// A peer as Node names it: an IP literal, or "" / undefined for a unix socket.
Address peer_of(const Napi::Value& value) {
  Address a;
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty()) {
    a.family = Address::Family::Unix;
    return a;
  }
  parse_ip(value.As<Napi::String>().Utf8Value(), &a);
  return a;
}

}  // namespace

bool read_secure_headers(Napi::Value value, ForwardedRule* rule, std::string* error) {
  const char* shape = "secureSchemeHeaders is a flat array [name, value, ...] of strings";
  if (!value.IsArray() || value.As<Napi::Array>().Length() % 2 != 0) {
    *error = shape;
    return false;
  }
  Napi::Array list = value.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); i += 2) {
    Napi::Value name = list.Get(i), v = list.Get(i + 1);
    if (!name.IsString() || !v.IsString()) {
      *error = shape;
      return false;
    }
    rule->secure_headers.emplace_back(lower(name.As<Napi::String>()), lower(v.As<Napi::String>()));
  }
  return true;
}

Napi::Function ForwardedWrap::Define(Napi::Env env) {
  return DefineClass(env, "Forwarded",
                     {InstanceMethod<&ForwardedWrap::Resolve>("resolve"), InstanceMethod<&ForwardedWrap::Trusts>("trusts")});
}

ForwardedWrap::ForwardedWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ForwardedWrap>(info) {
  std::string error = "new Forwarded(allowIps, secureSchemeHeaders)";
  if (info.Length() < 2 || !read_address_list(info[0], &rule_.trusted, &error) || !read_secure_headers(info[1], &rule_, &error))
    throw_type_error(info.Env(), error.c_str());
}

// resolve(peerAddress, peerPort, rawHeaders) -> [address, port, secure]
Napi::Value ForwardedWrap::Resolve(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[2].IsArray()) return throw_type_error(env, "resolve(peerAddress, peerPort, rawHeaders)");
  Address peer = peer_of(info[0]);
  if (info[1].IsNumber()) peer.port = static_cast<uint16_t>(info[1].As<Napi::Number>().Uint32Value());
  Napi::Array raw = info[2].As<Napi::Array>();
  std::vector<std::string> strings(raw.Length());
  for (uint32_t i = 0; i < raw.Length(); i++) {
    Napi::Value item = raw.Get(i);
    if (item.IsString()) strings[i] = item.As<Napi::String>().Utf8Value();
  }
  std::vector<Header> headers;
  for (size_t i = 0; i + 1 < strings.size(); i += 2) headers.push_back(Header{strings[i], strings[i + 1]});
  Client client{peer, false};
  if (has_forwarding(rule_, headers.data(), headers.size())) client = resolve_client(rule_, peer, headers.data(), headers.size());
  Napi::Array out = address_pair(env, client.address).As<Napi::Array>();
  out.Set(2u, Napi::Boolean::New(env, client.secure));
  return out;
}

// trusts(address) -> whether a peer at `address` is in forwarded_allow_ips ("" is a unix socket)
Napi::Value ForwardedWrap::Trusts(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), info.Length() >= 1 && rule_.trusted.Contains(peer_of(info[0])));
}

}  // namespace tusk::http
