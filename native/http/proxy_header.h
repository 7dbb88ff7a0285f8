// http/proxy_header.h — the PROXY protocol header (haproxy's proxy-protocol.txt, versions 1 and 2)
// that a load balancer sends before the first byte of the connection it relays, naming the client
// it accepted. Pure: bytes in, a verdict out; no I/O, no allocation, no exceptions; fuzzed
// (http/fuzz/fuzz_proxy.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "address.h"

namespace tusk::http {

// A version 1 header is at most 107 bytes, CRLF included (the specification's own bound).
constexpr size_t kMaxProxyV1 = 107;
// The largest version 2 header accepted: the 16-byte preamble and up to 4080 bytes of addresses and
// TLVs (load balancers send well under 1 KiB). A larger one is refused as oversized.
constexpr size_t kMaxProxyHeader = 4096;

enum class ProxyStatus : uint8_t { Incomplete, Error, Done };

struct ProxyHeader {
  ProxyStatus status = ProxyStatus::Incomplete;
  size_t length = 0;     // Done: bytes of the header, to be consumed before the first HTTP byte
  bool version2 = false;
  // Done: true when the header names the client (PROXY over TCP4/TCP6, v1 or v2); false for v2's
  // LOCAL command (the proxy's own health check) and for UNKNOWN / unspecified / unix families,
  // where the connection's real endpoints stand.
  bool has_source = false;
  Address source;        // the client, when has_source
  Address destination;   // the address the client connected to, when has_source
  const char* error = "";  // Error: static, short
};

// Reads the header at the start of data[0, len). Incomplete: what is there is a valid beginning of
// a header (or a prefix of one of the two signatures); call again with more bytes. Error: the bytes
// cannot start a header (no header at all, a malformed one, or one over kMaxProxyHeader). The
// verdict never depends on how the bytes were split.
ProxyHeader parse_proxy_header(const char* data, size_t len);

}  // namespace tusk::http
