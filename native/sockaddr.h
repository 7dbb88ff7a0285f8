// sockaddr.h — reading a socket's addresses: as text for the listeners (getsockname), as an Address
// for the peers of accepted connections (getpeername); the binary reading itself is address_of.
#pragma once

#include <sys/socket.h>

#include "address.h"

namespace tusk {

// Writes the IPv4/IPv6 address of `ss` into text[0, size) and returns its port; returns -1 (text
// left empty) for any other family.
inline int inet_text(const sockaddr_storage& ss, char* text, socklen_t size) {
  Address a = address_of(ss);
  address_text(a, text, size);
  bool inet = a.family == Address::Family::V4 || a.family == Address::Family::V6;
  return inet ? a.port : -1;
}

// The peer of a connected socket; false when getpeername fails (the peer is gone).
inline bool peer_address(int fd, Address* out) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  *out = address_of(ss);
  return true;
}

}  // namespace tusk
