// address_wrap.cc — addresses to and from JavaScript values (see address_wrap.h).
#include "address_wrap.h"

#include <vector>

#include "errors.h"

namespace tusk {

bool read_address_list(Napi::Value value, AddressList* list, std::string* error) {
  if (!value.IsArray()) {
    *error = "an address list is an array of strings";
    return false;
  }
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> entries;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) {
      *error = "an address list is an array of strings";
      return false;
    }
    entries.push_back(item.As<Napi::String>().Utf8Value());
  }
  return list->Parse(entries, error);
}

Napi::Value address_pair(Napi::Env env, const Address& a) {
  char text[kAddressTextSize];
  size_t len = address_text(a, text, sizeof text);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::String::New(env, text, len));
  out.Set(1u, Napi::Number::New(env, a.port));
  return out;
}

Napi::Value CheckAddressList(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) return throw_type_error(env, "checkAddressList(entries)");
  AddressList list;
  std::string error;
  if (read_address_list(info[0], &list, &error)) return env.Null();
  return Napi::String::New(env, error);
}

}  // namespace tusk
