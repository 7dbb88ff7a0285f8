// native/http/test/proxy_test.cc — unit tests of what stands between a proxy and the app: the
// PROXY protocol header (v1 and v2: each command, family and malformation, the size bounds, every
// split of the input giving the same verdict), the allow-lists (IPs, CIDRs, `*`, IPv4-mapped IPv6,
// unix peers) and the forwarded-headers rule (X-Forwarded-For, Forwarded, chains, the scheme).
#include <string>
#include <vector>

#include "http/forwarded.h"
#include "http/proxy_header.h"
#include "http/test/harness.h"

namespace {
using namespace tusk;
using namespace tusk::http;
using namespace std::literals;

std::string text_of(const Address& a) {
  char buf[kAddressTextSize];
  size_t n = address_text(a, buf, sizeof buf);
  return std::string(buf, n);
}

// The verdict on the whole input, checked against every prefix: each is Incomplete or the same.
ProxyHeader parse_all_ways(const std::string& in) {
  ProxyHeader whole = parse_proxy_header(in.data(), in.size());
  for (size_t n = 0; n < in.size(); n++) {
    std::string prefix = in.substr(0, n);
    ProxyHeader p = parse_proxy_header(prefix.data(), prefix.size());
    if (p.status == ProxyStatus::Incomplete) continue;
    CHECK(p.status == whole.status);
    if (p.status == ProxyStatus::Done) CHECK_EQ(p.length, whole.length);
  }
  return whole;
}

std::string v2(uint8_t ver_cmd, uint8_t fam, const std::string& body) {
  std::string out = "\r\n\r\n\0\r\nQUIT\n"s;
  out.push_back(static_cast<char>(ver_cmd));
  out.push_back(static_cast<char>(fam));
  out.push_back(static_cast<char>(body.size() >> 8));
  out.push_back(static_cast<char>(body.size() & 0xff));
  return out + body;
}

TEST(proxy_v1_tcp4_and_tcp6) {
  ProxyHeader h = parse_all_ways("PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\nGET /");
  CHECK(h.status == ProxyStatus::Done);
  CHECK_EQ(h.length, "PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\r\n"s.size());
  CHECK(h.has_source && !h.version2);
  CHECK_EQ(text_of(h.source), "192.0.2.1"s);
  CHECK_EQ(h.source.port, 56324);
  CHECK_EQ(text_of(h.destination), "10.0.0.1"s);
  CHECK_EQ(h.destination.port, 443);
  h = parse_all_ways("PROXY TCP6 2001:db8::1 ::1 0 65535\r\n");
  CHECK(h.status == ProxyStatus::Done && h.has_source);
  CHECK_EQ(text_of(h.source), "2001:db8::1"s);
  CHECK_EQ(h.destination.port, 65535);
}

TEST(proxy_v1_unknown) {
  ProxyHeader h = parse_all_ways("PROXY UNKNOWN\r\n");
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
  h = parse_all_ways("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n");
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
}

TEST(proxy_v1_malformed) {
  const char* bad[] = {
      "PROXY TCP4 192.0.2.1 10.0.0.1 56324 443\n",        // bare LF
      "PROXY TCP4 192.0.2.1 10.0.0.1 56324\r\n",          // a port missing
      "PROXY TCP4 192.0.2.1 10.0.0.1 56324 443 9\r\n",    // a field too many
      "PROXY TCP4  192.0.2.1 10.0.0.1 1 2\r\n",           // double space
      "PROXY TCP4 192.0.2.1 10.0.0.1 65536 443\r\n",      // port out of range
      "PROXY TCP4 192.0.2.1 10.0.0.1 01 443\r\n",         // leading zero
      "PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n",          // IPv6 as TCP4
      "PROXY TCP6 192.0.2.1 ::1 1 2\r\n",                 // IPv4 as TCP6
      "PROXY TCP4 999.0.2.1 10.0.0.1 1 2\r\n",            // not an address
      "PROXY UDP4 192.0.2.1 10.0.0.1 1 2\r\n",            // unknown protocol
      "PROXY \r\n",                                       // nothing
      "PROXY TCP4 192.0.2.1\r10.0.0.1 1 2\r\n",           // bare CR
      "proxy TCP4 192.0.2.1 10.0.0.1 1 2\r\n",            // case matters
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",                // no header at all
      "\r\n\r\nGET",                                      // not the v2 signature after all
  };
  for (const char* in : bad) {
    ProxyHeader h = parse_all_ways(in);
    if (h.status != ProxyStatus::Error) harness::fail_check(__FILE__, __LINE__, "expected an error for " + harness::show(in));
  }
}

TEST(proxy_v1_length_bound) {
  // 107 bytes with CRLF is the most a v1 header may take; one more is refused.
  std::string head = "PROXY UNKNOWN ";
  std::string fits = head + std::string(kMaxProxyV1 - head.size() - 2, 'x') + "\r\n";
  CHECK_EQ(fits.size(), kMaxProxyV1);
  CHECK(parse_all_ways(fits).status == ProxyStatus::Done);
  std::string over = head + std::string(kMaxProxyV1 - head.size() - 1, 'x') + "\r\n";
  CHECK(parse_all_ways(over).status == ProxyStatus::Error);
  CHECK(parse_proxy_header(over.data(), kMaxProxyV1).status == ProxyStatus::Error);
  CHECK(parse_proxy_header(over.data(), kMaxProxyV1 - 1).status == ProxyStatus::Incomplete);
}

TEST(proxy_v2_inet_inet6_and_tlvs) {
  std::string inet = "\xc0\x00\x02\x2a\x0a\x00\x00\x01\x04\xd2\x01\xbb"s;  // 192.0.2.42:1234 -> 10.0.0.1:443
  ProxyHeader h = parse_all_ways(v2(0x21, 0x11, inet) + "GET");
  CHECK(h.status == ProxyStatus::Done && h.version2 && h.has_source);
  CHECK_EQ(h.length, 28u);
  CHECK_EQ(text_of(h.source), "192.0.2.42"s);
  CHECK_EQ(h.source.port, 1234);
  CHECK_EQ(h.destination.port, 443);
  std::string inet6(36, '\0');
  inet6[0] = '\x20', inet6[1] = '\x01', inet6[2] = '\x0d', inet6[3] = '\xb8', inet6[15] = '\x07';
  inet6[31] = '\x01';
  inet6[32] = '\xff', inet6[33] = '\xff', inet6[35] = '\x50';
  std::string tlv = "\x04\x00\x02zz"s;  // PP2_TYPE_NOOP
  h = parse_all_ways(v2(0x21, 0x21, inet6 + tlv));
  CHECK(h.status == ProxyStatus::Done && h.has_source);
  CHECK_EQ(h.length, 16 + 36 + tlv.size());
  CHECK_EQ(text_of(h.source), "2001:db8::7"s);
  CHECK_EQ(h.source.port, 65535);
  CHECK_EQ(h.destination.port, 80);
}

TEST(proxy_v2_local_unspec_unix_dgram) {
  ProxyHeader h = parse_all_ways(v2(0x20, 0x00, ""));  // LOCAL: a health check of the proxy's own
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
  CHECK_EQ(h.length, 16u);
  h = parse_all_ways(v2(0x20, 0x11, std::string(12, '\1')));  // LOCAL ignores its addresses
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
  h = parse_all_ways(v2(0x21, 0x00, "ab"));  // PROXY, UNSPEC
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
  h = parse_all_ways(v2(0x21, 0x31, std::string(216, 'p')));  // PROXY, UNIX stream
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
  h = parse_all_ways(v2(0x21, 0x12, std::string(12, '\1')));  // PROXY, INET datagram
  CHECK(h.status == ProxyStatus::Done && !h.has_source);
}

TEST(proxy_v2_malformed_and_oversized) {
  CHECK(parse_all_ways(v2(0x11, 0x11, std::string(12, '\0'))).status == ProxyStatus::Error);  // version 1
  CHECK(parse_all_ways(v2(0x22, 0x11, std::string(12, '\0'))).status == ProxyStatus::Error);  // command 2
  CHECK(parse_all_ways(v2(0x21, 0x41, std::string(12, '\0'))).status == ProxyStatus::Error);  // family 4
  CHECK(parse_all_ways(v2(0x21, 0x13, std::string(12, '\0'))).status == ProxyStatus::Error);  // transport 3
  CHECK(parse_all_ways(v2(0x21, 0x11, std::string(11, '\0'))).status == ProxyStatus::Error);  // INET cut short
  CHECK(parse_all_ways(v2(0x21, 0x21, std::string(35, '\0'))).status == ProxyStatus::Error);  // INET6 cut short
  std::string most = v2(0x21, 0x11, std::string(kMaxProxyHeader - 16, '\0'));
  CHECK(parse_proxy_header(most.data(), most.size()).status == ProxyStatus::Done);
  std::string over = v2(0x21, 0x11, std::string(kMaxProxyHeader - 15, '\0'));
  CHECK(parse_proxy_header(over.data(), 16).status == ProxyStatus::Error);  // refused from its length alone
  std::string sig = "\r\n\r\n\0\r\nQUIX\n"s;
  CHECK(parse_all_ways(sig).status == ProxyStatus::Error);
}

AddressList list(std::vector<std::string> entries) {
  AddressList l;
  std::string error;
  CHECK(l.Parse(entries, &error));
  return l;
}

Address ip(const char* text) {
  Address a;
  CHECK(parse_ip(text, &a));
  return a;
}

TEST(address_list_entries) {
  AddressList l = list({"127.0.0.1", " 10.0.0.0/8 ", "::1", "fd00::/8", "192.168.1.1/32", ""});
  CHECK(l.Contains(ip("127.0.0.1")));
  CHECK(!l.Contains(ip("127.0.0.2")));
  CHECK(l.Contains(ip("10.255.1.2")));
  CHECK(!l.Contains(ip("11.0.0.1")));
  CHECK(l.Contains(ip("::1")));
  CHECK(l.Contains(ip("fdab::1")));
  CHECK(!l.Contains(ip("fe80::1")));
  CHECK(l.Contains(ip("::ffff:10.1.2.3")));  // a v4 client on a dual-stack listener
  CHECK(l.Contains(ip("192.168.1.1")) && !l.Contains(ip("192.168.1.2")));
  Address unix_peer;
  unix_peer.family = Address::Family::Unix;
  CHECK(l.Contains(unix_peer));
  CHECK(!l.Contains(Address{}));
  CHECK(list({"*"}).Contains(ip("203.0.113.1")));
  CHECK(!list({}).Contains(ip("127.0.0.1")));
  CHECK(list({"0.0.0.0/0"}).Contains(ip("203.0.113.1")) && !list({"0.0.0.0/0"}).Contains(ip("2001:db8::1")));
  CHECK(list({"10.1.2.3/12"}).Contains(ip("10.0.0.1")));  // host bits beyond the prefix do not matter
  CHECK(list({"::ffff:10.0.0.0/104"}).Contains(ip("10.9.9.9")));
  CHECK(list({"::ffff:10/8"}).Contains(ip("::ffff:0.0.0.16")));  // a range wider than the mapped block
  Address none;
  CHECK(!parse_ip("127.0.0.1\0junk"sv, &none));  // an embedded NUL is not an address
}

TEST(address_list_bad_entries) {
  const char* bad[] = {"300.1.1.1", "10.0.0.0/33", "0.0.0.0/44444444444444444444", "::1/129", "10.0.0.0/", "10.0.0.0/x", "example.com", "10.0.0.1:80", "[::1]", "1.2.3"};
  for (const char* entry : bad) {
    AddressList l;
    std::string error;
    if (l.Parse({entry}, &error)) harness::fail_check(__FILE__, __LINE__, std::string("accepted ") + entry);
    CHECK(error.find(entry) != std::string::npos);
  }
}

Client resolve(const AddressList& trusted, const char* peer, std::vector<Header> headers) {
  ForwardedRule rule;
  rule.trusted = trusted;
  rule.secure_headers = {{"x-forwarded-proto", "https"}, {"x-forwarded-ssl", "on"}};
  return resolve_client(rule, ip(peer), headers.data(), headers.size());
}

TEST(forwarded_x_forwarded_for) {
  AddressList local = list({"127.0.0.1"});
  Client c = resolve(local, "127.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"}});
  CHECK_EQ(text_of(c.address), "203.0.113.9"s);
  CHECK(c.secure);
  c = resolve(local, "10.0.0.1", {{"X-Forwarded-For", "203.0.113.9"}, {"X-Forwarded-Proto", "https"}});
  CHECK_EQ(text_of(c.address), "10.0.0.1"s);  // an untrusted peer is not believed
  CHECK(!c.secure);
  // Lines join in order; the walk stops at the first untrusted hop from the right.
  c = resolve(list({"127.0.0.1", "10.0.0.0/8"}), "127.0.0.1", {{"x-forwarded-for", "1.1.1.1, 2.2.2.2"}, {"X-FORWARDED-FOR", "10.0.0.7"}});
  CHECK_EQ(text_of(c.address), "2.2.2.2"s);
  c = resolve(list({"*"}), "127.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 2.2.2.2, 10.0.0.7"}});
  CHECK_EQ(text_of(c.address), "1.1.1.1"s);
  c = resolve(local, "127.0.0.1", {{"X-Forwarded-For", "198.51.100.1:8443"}});
  CHECK_EQ(text_of(c.address), "198.51.100.1"s);
  CHECK_EQ(c.address.port, 8443);
  c = resolve(local, "127.0.0.1", {{"X-Forwarded-For", "garbage"}});
  CHECK_EQ(text_of(c.address), "127.0.0.1"s);
  c = resolve(local, "127.0.0.1", {{"X-Forwarded-Ssl", "ON"}});
  CHECK(c.secure);
  c = resolve(local, "127.0.0.1", {{"X-Forwarded-Proto", "http"}});
  CHECK(!c.secure);
}

TEST(forwarded_rfc7239) {
  AddressList local = list({"127.0.0.1"});
  Client c = resolve(local, "127.0.0.1", {{"Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43"}});
  CHECK_EQ(text_of(c.address), "192.0.2.60"s);
  CHECK(c.secure);
  c = resolve(local, "127.0.0.1", {{"Forwarded", "For=\"[2001:db8:cafe::17]:4711\""}});
  CHECK_EQ(text_of(c.address), "2001:db8:cafe::17"s);
  CHECK_EQ(c.address.port, 4711);
  CHECK(!c.secure);
  // Forwarded wins over X-Forwarded-For; proto= of the client's own hop is the one that counts.
  c = resolve(list({"127.0.0.1", "10.0.0.0/8"}), "127.0.0.1",
              {{"X-Forwarded-For", "6.6.6.6"}, {"Forwarded", "for=198.51.100.3;proto=https, for=10.0.0.2;proto=http"}});
  CHECK_EQ(text_of(c.address), "198.51.100.3"s);
  CHECK(c.secure);
  c = resolve(local, "127.0.0.1", {{"Forwarded", "proto=https"}});  // no for=: the peer, but https
  CHECK_EQ(text_of(c.address), "127.0.0.1"s);
  CHECK(c.secure);
  c = resolve(local, "127.0.0.1", {{"Forwarded", "for=unknown, for=_hidden"}});
  CHECK_EQ(text_of(c.address), "127.0.0.1"s);
  c = resolve(local, "127.0.0.1", {{"Forwarded", "for=\"quoted, comma\";proto=https"}});
  CHECK_EQ(text_of(c.address), "127.0.0.1"s);
  CHECK(c.secure);
}

TEST(forwarded_nothing_to_see) {
  ForwardedRule rule;
  rule.secure_headers = {{"x-forwarded-proto", "https"}};
  std::vector<Header> plain = {{"Host", "x"}, {"Accept", "*/*"}};
  CHECK(!has_forwarding(rule, plain.data(), plain.size()));
  std::vector<Header> proto = {{"Host", "x"}, {"X-Forwarded-Proto", "https"}};
  CHECK(has_forwarding(rule, proto.data(), proto.size()));
  std::vector<Header> fwd = {{"forwarded", "for=1.2.3.4"}};
  CHECK(has_forwarding(rule, fwd.data(), fwd.size()));
}

}  // namespace
