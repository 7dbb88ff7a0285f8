// native/http/access_log.cc — the access log's formatter and the engine's recorder (see access_log.h).
#include "http/access_log.h"

#include <sys/socket.h>
#include <unistd.h>
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

void append_padded(std::string& out, unsigned n, int width) {
  char digits[8];
  for (int i = width - 1; i >= 0; i--, n /= 10) digits[i] = static_cast<char>('0' + n % 10);
  out.append(digits, static_cast<size_t>(width));
}

constexpr char kHex[] = "0123456789abcdef";

bool needs_text_escape(unsigned char c) { return c == '"' || c == '\\' || c < 0x20 || c == 0x7f; }

// Text form: \", \\ and \xHH for control bytes, as nginx writes them.
void escaped(std::string& out, std::string_view s) {
  size_t run = 0;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!needs_text_escape(c)) continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else {
      const char esc[4] = {'\\', 'x', kHex[c >> 4], kHex[c & 15]};
      out.append(esc, 4);
    }
  }
  out.append(s.data() + run, s.size() - run);
}

// A text value: '-' when missing, escaped otherwise.
void text_value(std::string& out, std::string_view s) {
  if (s.empty()) out.push_back('-');
  else escaped(out, s);
}

// A JSON string, escaped as JSON.stringify does (bytes 0x7f and up pass unchanged).
void json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"': out.push_back('"'); break;
      case '\\': out.push_back('\\'); break;
      case '\b': out.push_back('b'); break;
      case '\f': out.push_back('f'); break;
      case '\n': out.push_back('n'); break;
      case '\r': out.push_back('r'); break;
      case '\t': out.push_back('t'); break;
      default: {
        const char esc[5] = {'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out.append(esc, 5);
      }
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

// A JSON value: null when missing.
void json_value(std::string& out, std::string_view s) {
  if (s.empty()) out.append("null");
  else json_string(out, s);
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view query_of(std::string_view target) {
  size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

// The user name of HTTP Basic credentials (Gunicorn's `u`): base64 decoded as Node decodes it,
// skipping what is not of the alphabet (either variant) and stopping at padding.
std::string basic_user(std::string_view authorization) {
  std::string user;
  if (authorization.size() < 6) return user;
  for (size_t i = 0; i < 6; i++) {
    char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != "basic "[i]) return user;
  }
  uint32_t bits = 0;
  int have = 0;
  for (char ch : authorization.substr(6)) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+' || ch == '-') v = 62;
    else if (ch == '/' || ch == '_') v = 63;
    else if (ch == '=') break;
    else continue;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((have += 6) >= 8) {
      have -= 8;
      char byte = static_cast<char>((bits >> have) & 0xff);
      if (byte == ':') return user;
      user.push_back(byte);
    }
  }
  user.clear();  // no colon: no user name
  return user;
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

uint32_t AccessFormat::Want(std::vector<std::string>& list, std::string name) {
  for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  for (uint32_t i = 0; i < list.size(); i++)
    if (list[i] == name) return i;
  list.push_back(std::move(name));
  return static_cast<uint32_t>(list.size() - 1);
}

bool AccessFormat::Compile(bool json, const std::vector<Token>& tokens, std::string* error) {
  json_ = json;
  pid_ = static_cast<uint64_t>(getpid());
  for (const Token& t : tokens) {
    const std::string& a = t.atom;
    Step step{Op::Text};
    if (a.empty() || a == "e") {
      step = {a.empty() ? Op::Text : Op::Value, static_cast<uint32_t>(texts_.size())};
      texts_.push_back(t.text);
    } else if (a == "i" || a == "o") {
      step = a == "i" ? Step{Op::RequestHeader, Want(request_headers_, t.text)} : Step{Op::ResponseHeader, Want(response_headers_, t.text)};
    } else if (a == "f") {
      step = {Op::RequestHeader, Want(request_headers_, "referer")};
    } else if (a == "a") {
      step = {Op::RequestHeader, Want(request_headers_, "user-agent")};
    } else if (a == "u") {
      step = {Op::User, Want(request_headers_, "authorization")};
    } else if (a.size() == 1 || a == "RAW") {
      static constexpr struct { char letter; Op op; } kLetters[] = {
          {'h', Op::Peer}, {'l', Op::Dash}, {'t', Op::Time}, {'r', Op::Request}, {'m', Op::Method},
          {'U', Op::Path}, {'q', Op::Query}, {'H', Op::Protocol}, {'s', Op::Status}, {'B', Op::Bytes},
          {'b', Op::BytesOrDash}, {'T', Op::Seconds}, {'M', Op::Millis}, {'D', Op::Micros},
          {'L', Op::DecimalSeconds}, {'p', Op::Pid},
      };
      bool found = a == "RAW";
      if (found) step = {Op::Target};
      for (const auto& l : kLetters)
        if (!found && a[0] == l.letter) step = {l.op}, found = true;
      if (!found) {
        *error = "the access log has no atom " + a;
        return false;
      }
    } else {
      *error = "the access log has no atom " + a;
      return false;
    }
    steps_.push_back(step);
  }
  return true;
}

// The date of a line: Gunicorn's (Apache's) `[02/Dec/2026:13:51:42 +0000]` or ISO 8601 in JSON,
// local time, worked out once a second.
void AccessFormat::Time(std::string& out) const {
  time_t now = time(nullptr);
  if (now != clock_second_) {
    clock_second_ = now;
    struct tm tm{};
    localtime_r(&now, &tm);
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    long offset = tm.tm_gmtoff / 60;
    char sign = offset < 0 ? '-' : '+';
    unsigned hh = static_cast<unsigned>((offset < 0 ? -offset : offset) / 60), mm = static_cast<unsigned>((offset < 0 ? -offset : offset) % 60);
    std::string time;
    append_padded(time, static_cast<unsigned>(tm.tm_hour), 2);
    time.push_back(':');
    append_padded(time, static_cast<unsigned>(tm.tm_min), 2);
    time.push_back(':');
    append_padded(time, static_cast<unsigned>(tm.tm_sec), 2);
    clf_ = "[";
    append_padded(clf_, static_cast<unsigned>(tm.tm_mday), 2);
    clf_.append("/").append(kMonths[tm.tm_mon]).append("/");
    append_number(clf_, static_cast<uint64_t>(tm.tm_year + 1900));
    clf_.append(":").append(time).append(" ").push_back(sign);
    append_padded(clf_, hh, 2);
    append_padded(clf_, mm, 2);
    clf_.push_back(']');
    iso_ = "\"";
    append_number(iso_, static_cast<uint64_t>(tm.tm_year + 1900));
    iso_.push_back('-');
    append_padded(iso_, static_cast<unsigned>(tm.tm_mon + 1), 2);
    iso_.push_back('-');
    append_padded(iso_, static_cast<unsigned>(tm.tm_mday), 2);
    iso_.append("T").append(time).push_back(sign);
    append_padded(iso_, hh, 2);
    iso_.push_back(':');
    append_padded(iso_, mm, 2);
    iso_.push_back('"');
  }
  out.append(json_ ? iso_ : clf_);
}

void AccessFormat::Render(const AccessRecord& r, std::string& out) const {
  const bool j = json_;
  auto value = j ? json_value : text_value;
  auto protocol = [&] {
    out.append("HTTP/1.");
    out.push_back(static_cast<char>('0' + r.version_minor));
  };
  auto request_line = [&](std::string& into, bool escape) {
    into.append(r.method).push_back(' ');
    if (escape) escaped(into, r.target);
    else into.append(r.target);
    into.append(" HTTP/1.");
    into.push_back(static_cast<char>('0' + r.version_minor));
  };
  for (const Step& s : steps_) {
    switch (s.op) {
      case Op::Text: out.append(texts_[s.index]); break;
      case Op::Value: value(out, texts_[s.index]); break;
      case Op::Peer: value(out, r.peer); break;
      case Op::Dash: out.append(j ? "null" : "-"); break;
      case Op::User: value(out, basic_user(r.request_headers[s.index])); break;
      case Op::Time: Time(out); break;
      case Op::Request:
        if (j) {
          std::string line;
          request_line(line, false);
          json_string(out, line);
        } else {
          request_line(out, true);
        }
        break;
      case Op::Method:
        if (j) json_value(out, r.method);
        else out.append(r.method);
        break;
      case Op::Target: value(out, r.target); break;
      case Op::Path:
        if (j) json_value(out, path_of(r.target));
        else escaped(out, path_of(r.target));
        break;
      case Op::Query:
        if (j) json_string(out, query_of(r.target));
        else escaped(out, query_of(r.target));
        break;
      case Op::Protocol:
        if (j) out.push_back('"');
        protocol();
        if (j) out.push_back('"');
        break;
      case Op::Status: append_number(out, r.status); break;
      case Op::Bytes: append_number(out, r.bytes); break;
      case Op::BytesOrDash:
        if (r.bytes == 0 && !j) out.push_back('-');
        else append_number(out, r.bytes);
        break;
      case Op::RequestHeader: value(out, r.request_headers[s.index]); break;
      case Op::ResponseHeader: value(out, r.response_headers[s.index]); break;
      case Op::Seconds: append_number(out, r.micros / 1000000); break;
      case Op::Millis: append_number(out, r.micros / 1000); break;
      case Op::Micros: append_number(out, r.micros); break;
      case Op::DecimalSeconds:
        append_number(out, r.micros / 1000000);
        out.push_back('.');
        append_padded(out, static_cast<unsigned>(r.micros % 1000000), 6);
        break;
      case Op::Pid:
        if (!j) out.push_back('<');
        append_number(out, pid_);
        if (!j) out.push_back('>');
        break;
    }
  }
  out.push_back('\n');
}

void AccessLog::Head(Connection* c, const HeaderView* headers, size_t count, int64_t length) const {
  c->log.body_sent = 0;
  std::string& out = c->log.head;
  out.clear();
  for (const std::string& name : format_.response_headers()) {
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
  const auto& wanted = format_.request_headers();
  const size_t n_request = wanted.size();
  values_.assign(n_request + format_.response_headers().size(), std::string_view());
  joined_.resize(n_request);
  for (size_t k = 0; k < n_request; k++) {
    int seen = 0;
    for (uint16_t i = 0; i < r.header_count; i++) {
      if (!detail::equals_lower(r.headers[i].name, wanted[k])) continue;
      std::string_view v(r.headers[i].value.data(), r.headers[i].value.size());
      if (seen == 0) {
        values_[k] = v;
      } else {
        if (seen == 1) joined_[k].assign(values_[k]);
        joined_[k].append(", ").append(v);
        values_[k] = joined_[k];
      }
      seen++;
    }
  }
  // Head ran for every response that reaches here: its NUL-terminated values, in order.
  std::string_view head = c->log.head;
  for (size_t k = n_request; k < values_.size() && !head.empty(); k++) {
    size_t end = head.find('\0');
    values_[k] = head.substr(0, end);
    head.remove_prefix(end == std::string_view::npos ? head.size() : end + 1);
  }
  AccessRecord record;
  record.peer = peer_of(c);
  record.method = std::string_view(r.method.data(), r.method.size());
  record.target = std::string_view(r.target.data(), r.target.size());
  record.version_minor = r.version_minor;
  record.status = status;
  record.bytes = c->log.body_sent;
  record.micros = c->started == 0 ? 0 : (uv_hrtime() - c->started) / 1000;
  record.request_headers = values_.data();
  record.response_headers = values_.data() + n_request;
  format_.Render(record, batch_);
}

}  // namespace tusk::http
