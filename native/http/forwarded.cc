// http/forwarded.cc — the forwarded-headers rule (see forwarded.h).
#include "http/forwarded.h"

namespace tusk::http {

namespace {

struct Hop {
  std::string_view node;   // for= of a Forwarded element, or one X-Forwarded-For entry
  std::string_view proto;  // proto= of a Forwarded element; empty otherwise
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ci(std::string_view a, std::string_view lower) {
  return a.size() == lower.size() && detail::equals_lower(a, lower);
}

// Splits `s` at `sep` outside double quotes, calling f(piece) for each piece.
template <typename F>
void split_unquoted(std::string_view s, char sep, F f) {
  bool quoted = false;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '"') quoted = !quoted;
    else if (s[i] == sep && !quoted) {
      f(s.substr(start, i - start));
      start = i + 1;
    }
  }
  f(s.substr(start));
}

std::string_view unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') return v.substr(1, v.size() - 2);
  return v;
}

// One node of a chain: "1.2.3.4", "1.2.3.4:80", "2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:80".
bool parse_node(std::string_view s, Address* out) {
  s = trim(s);
  uint16_t port = 0;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !parse_port(rest.substr(1), &port))) return false;
    if (!parse_ip(s.substr(1, close - 1), out) || out->family != Address::Family::V6) return false;
    out->port = port;
    return true;
  }
  size_t colon = s.find(':');
  if (colon != std::string_view::npos && s.find(':', colon + 1) == std::string_view::npos) {
    if (!parse_port(s.substr(colon + 1), &port)) return false;
    if (!parse_ip(s.substr(0, colon), out) || out->family != Address::Family::V4) return false;
    out->port = port;
    return true;
  }
  if (!parse_ip(s, out)) return false;
  out->port = 0;
  return true;
}

// The hops of the chain, nearest last: every Forwarded element (when any Forwarded line exists),
// else every X-Forwarded-For entry, in the order the lines came.
void collect_hops(const Header* headers, size_t count, std::vector<Hop>* hops) {
  bool forwarded = false;
  for (size_t i = 0; i < count && !forwarded; i++) forwarded = equals_ci(headers[i].name, "forwarded");
  for (size_t i = 0; i < count; i++) {
    const Header& h = headers[i];
    if (forwarded && equals_ci(h.name, "forwarded")) {
      split_unquoted(h.value, ',', [&](std::string_view element) {
        Hop hop;
        split_unquoted(element, ';', [&](std::string_view pair) {
          size_t eq = pair.find('=');
          if (eq == std::string_view::npos) return;
          std::string_view name = trim(pair.substr(0, eq));
          std::string_view value = unquote(trim(pair.substr(eq + 1)));
          if (equals_ci(name, "for")) hop.node = value;
          else if (equals_ci(name, "proto")) hop.proto = value;
        });
        hops->push_back(hop);
      });
    } else if (!forwarded && equals_ci(h.name, "x-forwarded-for")) {
      split_unquoted(h.value, ',', [&](std::string_view entry) { hops->push_back(Hop{entry, {}}); });
    }
  }
}

}  // namespace

bool has_forwarding(const ForwardedRule& rule, const Header* headers, size_t count) {
  for (size_t i = 0; i < count; i++) {
    std::string_view name = headers[i].name;
    if (equals_ci(name, "forwarded") || equals_ci(name, "x-forwarded-for")) return true;
    for (const auto& secure : rule.secure_headers) {
      if (equals_ci(name, secure.first)) return true;
    }
  }
  return false;
}

Client resolve_client(const ForwardedRule& rule, const Address& peer, const Header* headers, size_t count) {
  Client client;
  client.address = peer;
  if (!rule.trusted.Contains(peer)) return client;

  for (size_t i = 0; i < count && !client.secure; i++) {
    for (const auto& secure : rule.secure_headers) {
      if (equals_ci(headers[i].name, secure.first) && equals_ci(trim(headers[i].value), secure.second)) {
        client.secure = true;
        break;
      }
    }
  }

  std::vector<Hop> hops;
  collect_hops(headers, count, &hops);
  // Each hop we reach was written by a trusted proxy (the peer, or the hop after it), so its proto=
  // is believed: the last one reached tells how the client came in.
  std::string_view proto;
  for (size_t i = hops.size(); i-- > 0;) {
    if (!hops[i].proto.empty()) proto = hops[i].proto;
    Address hop;
    if (!parse_node(hops[i].node, &hop)) break;
    client.address = hop;
    if (!rule.trusted.Contains(hop)) break;
  }
  if (equals_ci(proto, "https")) client.secure = true;
  return client;
}

}  // namespace tusk::http
