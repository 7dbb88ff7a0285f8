// http/forwarded.h — who the client of a request is and whether it came over https, when the
// request arrives through proxies: X-Forwarded-For or RFC 7239 Forwarded for the address, the
// secure scheme headers (X-Forwarded-Proto: https, ...) or Forwarded's proto= for the scheme. Only
// a trusted peer (forwarded_allow_ips) is believed. The one home of this rule: the engine uses it
// for fetch and native apps, and the node interface reaches the same code through the addon.
// Pure: no I/O, no N-API, no exceptions.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "address.h"
#include "http/parser.h"

namespace tusk::http {

struct ForwardedRule {
  AddressList trusted;
  // Header name (lower case) and the value (lower case) that marks a request as https.
  std::vector<std::pair<std::string, std::string>> secure_headers;
};

struct Client {
  Address address;  // the client's address (its port is 0 when a proxy did not say it)
  bool secure = false;
};

// Whether any header of the request bears on the answer; when none does the client is the peer,
// over http, and nothing else need be looked at (the usual case, and a cheap scan).
bool has_forwarding(const ForwardedRule& rule, const Header* headers, size_t count);

// The client of a request that `peer` (the TCP peer, or the source a PROXY header named) sent.
// When the peer is trusted: the address is found by walking Forwarded's for= (when present, else
// X-Forwarded-For) from the right, past every trusted hop, to the first untrusted one (or the
// leftmost entry); an entry that is not an IP address ends the walk. The request is secure when a
// secure scheme header has its value, or the Forwarded element of the client's hop says proto=https.
Client resolve_client(const ForwardedRule& rule, const Address& peer, const Header* headers, size_t count);

}  // namespace tusk::http
