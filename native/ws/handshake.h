// native/ws/handshake.h — the opening handshake's arithmetic (RFC 6455 §4.2): checking a client's
// Sec-WebSocket-Key and computing the Sec-WebSocket-Accept that answers it (SHA-1 and base64, kept
// here so the engine needs no crypto library for it). Pure.
#pragma once

#include <string>
#include <string_view>

namespace tusk::ws {

// The key is base64 of 16 bytes (24 characters, "==" at the end).
bool valid_key(std::string_view key);
// base64(SHA-1(key + the RFC's GUID)).
std::string accept_key(std::string_view key);
// SHA-1 of `data` (20 bytes), exposed for its test vectors.
std::string sha1(std::string_view data);

}  // namespace tusk::ws
