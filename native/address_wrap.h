// address_wrap.h — addresses (address.h) to and from JavaScript: [address, port] pairs, allow-lists
// for the engine's and the acceptor's options, and checkAddressList(), with which the settings
// registry validates forwarded_allow_ips and proxy_allow_ips (the grammar of an entry is written
// once, here in C++).
#pragma once

#include <napi.h>

#include <string>

#include "address.h"

namespace tusk {

// Fills `list` from a JavaScript array of strings; false (with *error set) for anything else.
bool read_address_list(Napi::Value value, AddressList* list, std::string* error);

// [address text, port] of an address (["", 0] for a unix socket's peer).
Napi::Value address_pair(Napi::Env env, const Address& a);

// checkAddressList(entries: string[]) -> null, or the message naming the first bad entry
Napi::Value CheckAddressList(const Napi::CallbackInfo& info);

}  // namespace tusk
