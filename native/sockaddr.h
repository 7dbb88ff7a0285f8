// sockaddr.h — one reading of a socket address as text, for the listeners (getsockname) and the
// engine's peers (getpeername).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace tusk {

// Writes the IPv4/IPv6 address of `ss` into text[0, size) and returns its port; returns -1 (text
// left empty) for any other family.
inline int inet_text(const sockaddr_storage& ss, char* text, socklen_t size) {
  text[0] = '\0';
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &sin->sin_addr, text, size);
    return ntohs(sin->sin_port);
  }
  if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &sin6->sin6_addr, text, size);
    return ntohs(sin6->sin6_port);
  }
  return -1;
}

}  // namespace tusk
