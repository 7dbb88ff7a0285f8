// http/proxy_header.cc — PROXY protocol v1 (text) and v2 (binary) parsing (see proxy_header.h).
#include "http/proxy_header.h"

#include <cstring>
#include <string_view>

namespace tusk::http {

namespace {

constexpr char kV1Prefix[] = "PROXY ";
constexpr size_t kV1PrefixLen = sizeof kV1Prefix - 1;
constexpr unsigned char kV2Signature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

ProxyHeader error(const char* why) {
  ProxyHeader h;
  h.status = ProxyStatus::Error;
  h.error = why;
  return h;
}

// Whether data[0, len) agrees with the first len bytes of `sig` (len may be shorter).
bool agrees(const char* data, size_t len, const void* sig, size_t sig_len) {
  return std::memcmp(data, sig, len < sig_len ? len : sig_len) == 0;
}

// A v1 port: decimal 0..65535, no leading zero.
bool v1_port(std::string_view s, uint16_t* out) { return !s.empty() && (s.size() == 1 || s[0] != '0') && parse_port(s, out); }

// Splits the next space-delimited field off `line` (single spaces only, as the text format says).
bool next_field(std::string_view* line, std::string_view* field) {
  if (line->empty()) return false;
  size_t sp = line->find(' ');
  *field = line->substr(0, sp);
  *line = sp == std::string_view::npos ? std::string_view() : line->substr(sp + 1);
  return !field->empty();
}

ProxyHeader parse_v1(const char* data, size_t len) {
  size_t limit = len < kMaxProxyV1 ? len : kMaxProxyV1;
  const void* lf = std::memchr(data, '\n', limit);
  if (lf == nullptr) {
    if (len >= kMaxProxyV1) return error("PROXY v1 header too long");
    for (size_t i = 0; i < len; i++) {
      if (data[i] == '\r' && i + 1 < len) return error("PROXY v1 header: bare CR");
      if (data[i] == '\0') return error("PROXY v1 header: NUL byte");
    }
    return ProxyHeader{};
  }
  size_t end = static_cast<size_t>(static_cast<const char*>(lf) - data);
  if (end == 0 || data[end - 1] != '\r') return error("PROXY v1 header: bare LF");
  std::string_view line(data + kV1PrefixLen, end - 1 - kV1PrefixLen);
  for (char c : line) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return error("PROXY v1 header: control byte");
  }
  ProxyHeader h;
  h.status = ProxyStatus::Done;
  h.length = end + 1;
  std::string_view proto;
  if (!next_field(&line, &proto)) return error("PROXY v1 header: no protocol");
  if (proto == "UNKNOWN") return h;  // whatever follows is ignored; the real endpoints stand
  Address::Family family;
  if (proto == "TCP4") family = Address::Family::V4;
  else if (proto == "TCP6") family = Address::Family::V6;
  else return error("PROXY v1 header: protocol is not TCP4, TCP6 or UNKNOWN");
  std::string_view src, dst, sport, dport;
  if (!next_field(&line, &src) || !next_field(&line, &dst) || !next_field(&line, &sport) || !next_field(&line, &dport) || !line.empty())
    return error("PROXY v1 header: expected source, destination and two ports");
  if (!parse_ip(src, &h.source) || h.source.family != family || !parse_ip(dst, &h.destination) || h.destination.family != family)
    return error("PROXY v1 header: bad address");
  if (!v1_port(sport, &h.source.port) || !v1_port(dport, &h.destination.port)) return error("PROXY v1 header: bad port");
  h.has_source = true;
  return h;
}

ProxyHeader parse_v2(const unsigned char* data, size_t len) {
  if (len < 16) return ProxyHeader{};
  uint8_t version = data[12] >> 4, command = data[12] & 0x0f;
  uint8_t family = data[13] >> 4, transport = data[13] & 0x0f;
  size_t body = (static_cast<size_t>(data[14]) << 8) | data[15];
  if (version != 2) return error("PROXY v2 header: version is not 2");
  if (command > 1) return error("PROXY v2 header: unknown command");
  if (family > 3 || transport > 2) return error("PROXY v2 header: unknown address family or transport");
  if (16 + body > kMaxProxyHeader) return error("PROXY v2 header too large");
  static constexpr size_t kAddressBytes[4] = {0, 12, 36, 216};  // UNSPEC, INET, INET6, UNIX
  if (body < kAddressBytes[family]) return error("PROXY v2 header: addresses cut short");
  if (len < 16 + body) return ProxyHeader{};
  ProxyHeader h;
  h.status = ProxyStatus::Done;
  h.version2 = true;
  h.length = 16 + body;
  // LOCAL (the proxy speaking for itself), UNSPEC, UNIX and datagram sources: the real endpoints stand.
  if (command == 0 || transport != 1 || (family != 1 && family != 2)) return h;
  const unsigned char* a = data + 16;
  size_t width = family == 1 ? 4 : 16;
  Address::Family f = family == 1 ? Address::Family::V4 : Address::Family::V6;
  h.source.family = h.destination.family = f;
  std::memcpy(h.source.bytes, a, width);
  std::memcpy(h.destination.bytes, a + width, width);
  h.source.port = static_cast<uint16_t>((a[2 * width] << 8) | a[2 * width + 1]);
  h.destination.port = static_cast<uint16_t>((a[2 * width + 2] << 8) | a[2 * width + 3]);
  h.has_source = true;
  return h;
}

}  // namespace

ProxyHeader parse_proxy_header(const char* data, size_t len) {
  if (len == 0) return ProxyHeader{};
  if (agrees(data, len, kV1Prefix, kV1PrefixLen)) return len < kV1PrefixLen ? ProxyHeader{} : parse_v1(data, len);
  if (agrees(data, len, kV2Signature, sizeof kV2Signature)) return parse_v2(reinterpret_cast<const unsigned char*>(data), len);
  return error("no PROXY protocol header");
}

}  // namespace tusk::http
