// address.h — a peer's address as tusk reasons about it (binary, so that matching is cheap), its
// text form, and the allow-lists of trusted peers (forwarded_allow_ips, proxy_allow_ips): IPs and
// CIDRs of both families, or `*`. Pure: no I/O, no N-API, no exceptions.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk {

struct Address {
  enum class Family : uint8_t { None, V4, V6, Unix };
  Family family = Family::None;
  uint8_t bytes[16] = {};  // network order; IPv4 uses the first 4
  uint16_t port = 0;
};

// The address in a sockaddr filled by getpeername/getsockname; Family::None for anything else.
Address address_of(const sockaddr_storage& ss);
// The text form ("127.0.0.1", "::1"; "" for unix and none) into text[0, size); returns its length.
size_t address_text(const Address& a, char* text, size_t size);
// An IPv4 or IPv6 literal, no port, no brackets. False when `s` is neither.
bool parse_ip(std::string_view s, Address* out);

// A port in decimal: 1 to 5 digits, at most 65535. False for anything else.
bool parse_port(std::string_view s, uint16_t* out);

// Longest text address_text writes, its NUL included (INET6_ADDRSTRLEN).
constexpr size_t kAddressTextSize = 46;

class AddressList {
 public:
  // Parses entries such as "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "*" (blank ones are
  // skipped). On a bad entry returns false and names it in *error; the list is then unchanged.
  bool Parse(const std::vector<std::string>& entries, std::string* error);
  // Whether a peer is trusted: `*`, or an address in one of the ranges (an IPv4-mapped IPv6 address
  // is matched as IPv4). Unix-socket peers are always trusted: only local processes reach them.
  bool Contains(const Address& a) const;

 private:
  struct Range {
    Address::Family family;
    uint8_t bytes[16];
    uint8_t prefix;  // bits
  };
  bool any_ = false;
  std::vector<Range> ranges_;
};

}  // namespace tusk
