// native/http/response.cc — response heads, canned errors and the once-a-second Date line.
#include "http/response.h"

#include <ctime>

#include "http/parser.h"

namespace tusk::http {

std::string_view reason_phrase(uint16_t status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

namespace {

char g_date[64] = "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n";
size_t g_date_len = 37;

void append_decimal(std::string& out, uint64_t n) {
  char buf[24];
  size_t i = sizeof buf;
  do {
    buf[--i] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out.append(buf + i, sizeof buf - i);
}

void append_status_line(std::string& out, uint16_t status, bool http10) {
  out.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  char code[3] = {static_cast<char>('0' + status / 100 % 10), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10)};
  out.append(code, 3);
  out.push_back(' ');
  out.append(reason_phrase(status));
  out.append("\r\n");
}

}  // namespace

std::string_view date_line() { return std::string_view(g_date, g_date_len); }

void refresh_date() {
  time_t now = time(nullptr);
  struct tm tm;
  gmtime_r(&now, &tm);
  g_date_len = strftime(g_date, sizeof g_date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

std::string error_response(uint16_t status, std::string_view reason) {
  std::string out;
  out.reserve(160 + reason.size());
  append_status_line(out, status, false);
  out.append(date_line());
  out.append("Content-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: ");
  append_decimal(out, reason.size() + 1);
  out.append("\r\n\r\n");
  out.append(reason);
  out.push_back('\n');
  return out;
}

bool engine_owned_header(std::string_view name) {
  using detail::equals_lower;
  switch (name.size()) {
    case 4: return equals_lower(name, "date");
    case 10: return equals_lower(name, "connection");
    case 14: return equals_lower(name, "content-length");
    case 17: return equals_lower(name, "transfer-encoding");
    default: return false;
  }
}

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 (c != 0 && std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos);
    if (!tchar) return false;
  }
  return true;
}

bool valid_header_value(std::string_view value) {
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n' || c == 0) return false;
  }
  return true;
}

void append_head(std::string& out, const HeadPlan& plan, const HeaderView* headers, size_t count) {
  append_status_line(out, plan.status, plan.http10);
  out.append(date_line());
  for (size_t i = 0; i < count; i++) {
    if (engine_owned_header(headers[i].name)) continue;
    out.append(headers[i].name);
    out.append(": ");
    out.append(headers[i].value);
    out.append("\r\n");
  }
  bool bodiless = status_has_no_body(plan.status);
  if (plan.chunked && !bodiless) {
    out.append("Transfer-Encoding: chunked\r\n");
  } else if ((!bodiless || plan.head_request) && plan.has_length) {
    // Without a length (a stream to an HTTP/1.0 client) the close marks the end of the body.
    out.append("Content-Length: ");
    append_decimal(out, plan.length);
    out.append("\r\n");
  }
  if (!plan.keep_alive) out.append("Connection: close\r\n");
  else if (plan.http10) out.append("Connection: keep-alive\r\n");
  out.append("\r\n");
}

void append_chunk_prefix(std::string& out, size_t size) {
  char buf[20];
  size_t i = sizeof buf;
  buf[--i] = '\n';
  buf[--i] = '\r';
  do {
    buf[--i] = "0123456789abcdef"[size & 15];
    size >>= 4;
  } while (size != 0);
  out.append(buf + i, sizeof buf - i);
}

}  // namespace tusk::http
