// address.cc — reading, printing and matching peer addresses (see address.h).
#include "address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace tusk {

namespace {

constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it carries.
Address unmapped(const Address& a) {
  if (a.family != Address::Family::V6 || std::memcmp(a.bytes, kMapped, sizeof kMapped) != 0) return a;
  Address v4;
  v4.family = Address::Family::V4;
  std::memcpy(v4.bytes, a.bytes + 12, 4);
  v4.port = a.port;
  return v4;
}

bool prefix_equal(const uint8_t* a, const uint8_t* b, unsigned bits) {
  unsigned whole = bits / 8;
  if (std::memcmp(a, b, whole) != 0) return false;
  unsigned rest = bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Address address_of(const sockaddr_storage& ss) {
  Address a;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    a.family = Address::Family::V4;
    std::memcpy(a.bytes, &sin->sin_addr, 4);
    a.port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    a.family = Address::Family::V6;
    std::memcpy(a.bytes, &sin6->sin6_addr, 16);
    a.port = ntohs(sin6->sin6_port);
  } else if (ss.ss_family == AF_UNIX) {
    a.family = Address::Family::Unix;
  }
  return a;
}

size_t address_text(const Address& a, char* text, size_t size) {
  if (size == 0) return 0;
  text[0] = '\0';
  int af = a.family == Address::Family::V4 ? AF_INET : a.family == Address::Family::V6 ? AF_INET6 : 0;
  if (af == 0 || inet_ntop(af, a.bytes, text, static_cast<socklen_t>(size)) == nullptr) {
    text[0] = '\0';
    return 0;
  }
  return std::strlen(text);
}

bool parse_ip(std::string_view s, Address* out) {
  char buf[kAddressTextSize];
  if (s.empty() || s.size() >= sizeof buf || std::memchr(s.data(), '\0', s.size()) != nullptr) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  Address a;
  if (inet_pton(AF_INET, buf, a.bytes) == 1) {
    a.family = Address::Family::V4;
  } else if (inet_pton(AF_INET6, buf, a.bytes) == 1) {
    a.family = Address::Family::V6;
  } else {
    return false;
  }
  *out = a;
  return true;
}

bool parse_port(std::string_view s, uint16_t* out) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint32_t>(c - '0');
  }
  if (n > 65535) return false;
  *out = static_cast<uint16_t>(n);
  return true;
}

bool AddressList::Parse(const std::vector<std::string>& entries, std::string* error) {
  bool any = false;
  std::vector<Range> ranges;
  for (const std::string& raw : entries) {
    std::string_view entry = trim(raw);
    if (entry.empty()) continue;
    if (entry == "*") {
      any = true;
      continue;
    }
    std::string_view ip = entry;
    int prefix = -1;
    size_t slash = entry.find('/');
    if (slash != std::string_view::npos) {
      ip = entry.substr(0, slash);
      std::string_view bits = entry.substr(slash + 1);
      prefix = bits.empty() || bits.size() > 3 ? 1000 : 0;  // 1000: refused below
      for (char c : bits) {
        if (prefix >= 1000) break;
        prefix = c >= '0' && c <= '9' ? prefix * 10 + (c - '0') : 1000;
      }
    }
    Address a;
    if (!parse_ip(ip, &a)) {
      *error = "not an IP address or CIDR: " + std::string(entry);
      return false;
    }
    int width = a.family == Address::Family::V4 ? 32 : 128;
    if (prefix > width) {
      *error = "bad prefix length in " + std::string(entry) + " (0 to " + std::to_string(width) + ")";
      return false;
    }
    Address u = unmapped(a);
    if (u.family != a.family && prefix >= 96) prefix -= 96;  // ::ffff:10.0.0.0/104 is 10.0.0.0/8
    else if (u.family != a.family && prefix >= 0) u = a;     // a mapped range wider than IPv4
    Range r{};
    r.family = u.family;
    std::memcpy(r.bytes, u.bytes, sizeof r.bytes);
    r.prefix = static_cast<uint8_t>(prefix < 0 ? (u.family == Address::Family::V4 ? 32 : 128) : prefix);
    ranges.push_back(r);
  }
  any_ = any;
  ranges_ = std::move(ranges);
  return true;
}

bool AddressList::Contains(const Address& raw) const {
  if (raw.family == Address::Family::Unix) return true;
  if (raw.family == Address::Family::None) return false;
  if (any_) return true;
  // A mapped address is matched as IPv4, and as IPv6 too (by a range wider than ::ffff:0:0/96).
  Address a = unmapped(raw);
  for (const Range& r : ranges_) {
    if (r.family == a.family && prefix_equal(r.bytes, a.bytes, r.prefix)) return true;
    if (r.family == raw.family && a.family != raw.family && prefix_equal(r.bytes, raw.bytes, r.prefix)) return true;
  }
  return false;
}

}  // namespace tusk
