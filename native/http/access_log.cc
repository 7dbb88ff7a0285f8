// native/http/access_log.cc — the engine's access records (see access_log.h).
#include "http/access_log.h"

#include <sys/socket.h>
#include <uv.h>

#include <charconv>

#include "http/parser.h"
#include "sockaddr.h"

namespace tusk::http {

namespace {

void append_number(std::string& out, uint64_t n) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, static_cast<size_t>(result.ptr - digits));
}

// The peer's address as text, looked up once per connection ("" for a unix socket).
const std::string& peer_of(Connection* c) {
  if (!c->log.peer_known) {
    c->log.peer_known = true;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    char text[INET6_ADDRSTRLEN] = {0};
    if (getpeername(c->fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) inet_text(ss, text, sizeof text);
    c->log.peer.assign(text);
  }
  return c->log.peer;
}

}  // namespace

AccessLog::AccessLog(std::vector<std::string> request_headers, std::vector<std::string> response_headers)
    : request_headers_(std::move(request_headers)), response_headers_(std::move(response_headers)) {}

void AccessLog::Head(Connection* c, const HeaderView* headers, size_t count, int64_t length) const {
  c->log.body_sent = 0;
  std::string& out = c->log.head;
  out.clear();
  for (const std::string& name : response_headers_) {
    bool found = false;
    for (size_t i = 0; i < count; i++) {
      if (!detail::equals_lower(headers[i].name, name)) continue;
      if (found) out.append(", ");
      out.append(headers[i].value.data(), headers[i].value.size());
      found = true;
    }
    // The engine writes Content-Length itself when the application gave none.
    if (!found && length >= 0 && name == "content-length") append_number(out, static_cast<uint64_t>(length));
    out.push_back('\0');
  }
}

void AccessLog::Finish(Connection* c, uint16_t status) {
  const Request& r = c->request;
  std::string& b = batch_;
  b.append(peer_of(c)).push_back('\0');
  b.append(r.method.data(), r.method.size()).push_back('\0');
  b.append(r.target.data(), r.target.size()).push_back('\0');
  b.push_back(static_cast<char>('0' + r.version_minor));
  b.push_back('\0');
  append_number(b, status);
  b.push_back('\0');
  append_number(b, c->log.body_sent);
  b.push_back('\0');
  append_number(b, c->started == 0 ? 0 : (uv_hrtime() - c->started) / 1000);
  b.push_back('\0');
  for (const std::string& name : request_headers_) {
    bool found = false;
    for (uint16_t i = 0; i < r.header_count; i++) {
      if (!detail::equals_lower(r.headers[i].name, name)) continue;
      if (found) b.append(", ");
      b.append(r.headers[i].value.data(), r.headers[i].value.size());
      found = true;
    }
    b.push_back('\0');
  }
  b.append(c->log.head);  // Head ran for every response that reaches here
}

}  // namespace tusk::http
