// native/http/fuzz/fuzz_proxy.cc — libFuzzer target for what a proxy sends before the app sees a
// request: the PROXY protocol header, allow-list entries and the forwarded-headers rule.
//
// Owns LLVMFuzzerTestOneInput. Byte 0 picks the mode; the rest is the input. Checks, aborting on
// any violation (ASan/UBSan catch the memory errors):
//   * parse_proxy_header on the whole input (in an exact-size buffer): a known status; Done means
//     16 <= length <= kMaxProxyHeader (v2) or length <= kMaxProxyV1 (v1) and length <= len, and a
//     source only for an INET/INET6 family; every prefix gives Incomplete or the same verdict, and
//     Done's verdict does not change with what follows the header;
//   * AddressList::Parse over comma-separated entries: an error names an entry; a parsed list
//     answers Contains without fault, for addresses taken from the input too;
//   * resolve_client over header lines "name: value" from the input: the client is the peer or an
//     address that occurs in the input, and an untrusted peer is never looked past.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/forwarded.h"
#include "http/proxy_header.h"

namespace {
using namespace tusk;
using namespace tusk::http;

void require(bool ok) {
  if (!ok) std::abort();
}

// Field by field: Address has padding, which memcmp would read.
bool same(const Address& a, const Address& b) {
  return a.family == b.family && a.port == b.port && std::memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0;
}

std::unique_ptr<char[]> exact(const uint8_t* data, size_t len) {
  auto buf = std::make_unique<char[]>(len == 0 ? 1 : len);
  if (len > 0) std::memcpy(buf.get(), data, len);
  return buf;
}

void check_header(const uint8_t* data, size_t len) {
  auto whole_buf = exact(data, len);
  ProxyHeader whole = parse_proxy_header(whole_buf.get(), len);
  require(whole.status == ProxyStatus::Incomplete || whole.status == ProxyStatus::Error || whole.status == ProxyStatus::Done);
  if (whole.status == ProxyStatus::Done) {
    require(whole.length <= len);
    require(whole.version2 ? whole.length >= 16 && whole.length <= kMaxProxyHeader : whole.length <= kMaxProxyV1);
    if (whole.has_source) {
      require(whole.source.family == Address::Family::V4 || whole.source.family == Address::Family::V6);
      require(whole.source.family == whole.destination.family);
    }
  }
  size_t step = len > 512 ? len / 64 : 1;
  for (size_t n = 0; n < len; n += step) {
    auto buf = exact(data, n);
    ProxyHeader p = parse_proxy_header(buf.get(), n);
    if (p.status == ProxyStatus::Incomplete) {
      require(whole.status != ProxyStatus::Done || n < whole.length);
      continue;
    }
    require(p.status == whole.status);
    if (p.status == ProxyStatus::Done) {
      require(p.length == whole.length && p.has_source == whole.has_source);
      require(same(p.source, whole.source));
    }
  }
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

void check_list(const std::string& in) {
  std::vector<std::string> entries = split(in, ',');
  AddressList list;
  std::string error;
  if (!list.Parse(entries, &error)) {
    require(!error.empty());
    return;
  }
  for (const std::string& e : entries) {
    Address a;
    if (parse_ip(e, &a)) require(list.Contains(a));  // a bare address is in its own list
  }
}

void check_forwarded(const std::string& in, uint8_t mode) {
  // The first line is the allow-list, the rest "name: value" header lines.
  std::vector<std::string> lines = split(in, '\n');
  AddressList list;
  std::string error;
  if (!list.Parse(split(lines[0], ','), &error)) return;
  std::vector<std::string> storage;
  storage.reserve(lines.size() * 2);
  std::vector<Header> headers;
  for (size_t i = 1; i < lines.size() && headers.size() < kMaxHeaders; i++) {
    size_t colon = lines[i].find(':');
    if (colon == std::string::npos) continue;
    storage.push_back(lines[i].substr(0, colon));
    storage.push_back(lines[i].substr(colon + 1));
    headers.push_back(Header{storage[storage.size() - 2], storage.back()});
  }
  ForwardedRule rule;
  rule.trusted = list;
  rule.secure_headers = {{"x-forwarded-proto", "https"}};
  Address peer;
  parse_ip(mode & 4 ? "10.0.0.1" : "127.0.0.1", &peer);
  Client c = resolve_client(rule, peer, headers.data(), headers.size());
  if (!list.Contains(peer)) {
    require(same(c.address, peer) && !c.secure);
    return;
  }
  if (!has_forwarding(rule, headers.data(), headers.size())) {
    require(same(c.address, peer) && !c.secure);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  const uint8_t* in = data + 1;
  size_t len = size - 1;
  switch (mode & 3) {
    case 0:
    case 1:
      check_header(in, len);
      break;
    case 2:
      check_list(std::string(reinterpret_cast<const char*>(in), len));
      break;
    case 3:
      check_forwarded(std::string(reinterpret_cast<const char*>(in), len), mode);
      break;
  }
  return 0;
}
