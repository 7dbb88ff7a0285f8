// native/http/parser.cc — tusk's HTTP/1.1 request-head parser.
//
// Owns parse_head() and detail::parse_field_section() (see parser.h). Works in
// two passes over a head:
//   1. scan():  a resumable byte-level validator (syntax + every limit). It
//               stops at the first offending byte, so errors show up as soon
//               as they are visible, and its state (HeadCursor) is a handful
//               of offsets, so a head that arrives in pieces is scanned once.
//   2. fill_*(): runs only on a complete, already-valid head: splits it into
//               string_views (memchr on known-good bytes) and applies the
//               field semantics (Content-Length, Transfer-Encoding, Host, ...).
#include "http/parser.h"

#include <array>
#include <cstring>

namespace tusk::http {
namespace {

// ---------------------------------------------------------------------------
// Byte classes

enum : uint8_t {
  kClsTchar = 1 << 0,    // RFC 9110 §5.6.2 tchar
  kClsVisible = 1 << 1,  // VCHAR 0x21-0x7E (request-target bytes)
  kClsValue = 1 << 2,    // field-value bytes: VCHAR / obs-text / SP / HTAB
  kClsHex = 1 << 3,      // HEXDIG
  kClsRegName = 1 << 4,  // RFC 3986 unreserved / sub-delims ('%' handled apart)
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    uint8_t f = 0;
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    if (alpha || digit) f |= kClsTchar | kClsRegName;
    for (char s : std::string_view("!#$%&'*+-.^_`|~"))
      if (c == s) f |= kClsTchar;
    for (char s : std::string_view("-._~!$&'()*+,;="))
      if (c == s) f |= kClsRegName;
    if (c >= 0x21 && c <= 0x7E) f |= kClsVisible | kClsValue;
    if (c >= 0x80 || c == ' ' || c == '\t') f |= kClsValue;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) f |= kClsHex;
    t[static_cast<size_t>(c)] = f;
  }
  return t;
}
constexpr std::array<uint8_t, 256> kClass = make_classes();

constexpr std::array<char, 256> make_lower() {
  std::array<char, 256> t{};
  for (int c = 0; c < 256; ++c)
    t[static_cast<size_t>(c)] = static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c);
  return t;
}
constexpr std::array<char, 256> kLower = make_lower();

inline bool has(char c, uint8_t cls) {
  return (kClass[static_cast<uint8_t>(c)] & cls) != 0;
}
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

// SWAR helpers: 8 bytes at a time, portable (no SSE).
constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kHighs = 0x8080808080808080ull;
// Loads 8 bytes so that d[0] is the lowest byte on any host.
inline uint64_t load_u64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}
// Flags (high bit of a byte) where a byte of x is < n (n <= 128). Bytes
// above the lowest flagged one may be flagged wrongly (borrows), so only the
// lowest flag is exact — which is all first_flagged() uses.
inline uint64_t any_below(uint64_t x, uint8_t n) {
  return (x - kOnes * n) & ~x & kHighs;
}
// Flags where a byte of x is > n (n < 128) or has its high bit set (lowest
// flag exact, as above).
inline uint64_t any_above(uint64_t x, uint8_t n) {
  return ((x + kOnes * (127 - n)) | x) & kHighs;
}
// Offset of the first flagged byte of a non-zero flag word.
inline size_t first_flagged(uint64_t flags) {
#if defined(__GNUC__)
  return static_cast<size_t>(__builtin_ctzll(flags)) >> 3;
#else
  size_t i = 0;
  while (!(flags & (uint64_t{0x80} << (8 * i)))) ++i;
  return i;
#endif
}

// First index in [p, stop) whose byte is not in 0x21-0x7E, else stop.
size_t skip_visible(const char* d, size_t p, size_t stop) {
  for (; stop - p >= 8; p += 8) {
    const uint64_t x = load_u64(d + p);
    const uint64_t bad = any_below(x, 0x21) | any_above(x, 0x7E);
    if (bad) return p + first_flagged(bad);
  }
  while (p < stop && has(d[p], kClsVisible)) ++p;
  return p;
}

// First index in [p, stop) whose byte is not a field-value byte, else stop.
size_t skip_value(const char* d, size_t p, size_t stop) {
  while (stop - p >= 8) {
    const uint64_t x = load_u64(d + p);
    const uint64_t odd = any_below(x, 0x20) | any_above(x, 0x7E);
    if (!odd) {
      p += 8;
      continue;
    }
    // A control byte, DEL, or a byte allowed but rare: HTAB / obs-text.
    p += first_flagged(odd);
    if (!has(d[p], kClsValue)) return p;
    ++p;
  }
  while (p < stop && has(d[p], kClsValue)) ++p;
  return p;
}

size_t skip_tchar(const char* d, size_t p, size_t stop) {
  for (; stop - p >= 4; p += 4) {  // unrolled: one bound check per 4 bytes
    if (!has(d[p], kClsTchar)) return p;
    if (!has(d[p + 1], kClsTchar)) return p + 1;
    if (!has(d[p + 2], kClsTchar)) return p + 2;
    if (!has(d[p + 3], kClsTchar)) return p + 3;
  }
  while (p < stop && has(d[p], kClsTchar)) ++p;
  return p;
}

inline std::string_view trim_ows(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && is_ows(s[b])) ++b;
  while (e > b && is_ows(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!has(c, kClsTchar)) return false;
  return true;
}

// ---------------------------------------------------------------------------
// Errors (static reasons)

constexpr Error kErrBareLF{400, "bare LF (CRLF required)"};
constexpr Error kErrBareCR{400, "bare CR (CRLF required)"};
constexpr Error kErrEmptyLines{400, "too many empty lines before request line"};
constexpr Error kErrMethod{400, "invalid method"};
constexpr Error kErrTargetByte{400, "invalid byte in request target"};
constexpr Error kErrTargetEmpty{400, "empty request target"};
constexpr Error kErrTargetForm{400, "invalid request target"};
constexpr Error kErrAsterisk{400, "asterisk-form is only valid for OPTIONS"};
constexpr Error kErrAuthority{400, "CONNECT needs authority-form host:port"};
constexpr Error kErrVersion{400, "invalid HTTP version"};
constexpr Error kErrVersion505{505, "HTTP version not supported"};
constexpr Error kErrLineTooLong{414, "request line too long"};
constexpr Error kErrObsFold{400, "obsolete line folding"};
constexpr Error kErrName{400, "invalid header name"};
constexpr Error kErrValue{400, "invalid header value"};
constexpr Error kErrTooManyFields{431, "too many header fields"};
constexpr Error kErrFieldTooLarge{431, "header field too large"};
constexpr Error kErrHeadTooLarge{431, "request head too large"};
constexpr Error kErrContentLength{400, "invalid Content-Length"};
constexpr Error kErrContentLengthDup{400, "duplicate Content-Length"};
constexpr Error kErrBodyTooLarge{413, "content too large"};
constexpr Error kErrTeSyntax{400, "invalid Transfer-Encoding"};
constexpr Error kErrTeWithCl{400, "Transfer-Encoding with Content-Length"};
constexpr Error kErrTeHttp10{400, "Transfer-Encoding in HTTP/1.0 request"};
constexpr Error kErrTeChunkedTwice{400, "chunked applied more than once"};
constexpr Error kErrTeChunkedNotLast{400, "chunked is not the final coding"};
constexpr Error kErrTeUnsupported{501, "unsupported transfer coding"};
constexpr Error kErrTeNotChunked{501, "final transfer coding is not chunked"};
constexpr Error kErrHostMissing{400, "missing Host header"};
constexpr Error kErrHostDup{400, "duplicate Host header"};
constexpr Error kErrHostValue{400, "invalid Host header"};
constexpr Error kErrContentTypeDup{400, "duplicate Content-Type header"};
constexpr Error kErrExpect{417, "unsupported expectation"};

inline Result fail(const Error& e) { return Result{Status::Error, e}; }
constexpr Result kIncomplete{Status::Incomplete, Error{}};
constexpr Result kComplete{Status::Complete, Error{}};

// ---------------------------------------------------------------------------
// URI pieces (RFC 3986) for the request-target forms and Host

// *( allowed / pct-encoded ), where `allowed` is kClsRegName plus `extra`.
bool is_reg_chars(std::string_view s, char extra) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (has(c, kClsRegName) || (extra && c == extra)) continue;
    if (c == '%' && i + 2 < s.size() && has(s[i + 1], kClsHex) &&
        has(s[i + 2], kClsHex)) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

// IP-literal without the brackets: IPv6address (loosely: hex, ':' and '.')
// or IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ).
bool is_ip_literal(std::string_view s) {
  if (s.empty()) return false;
  if (s[0] == 'v' || s[0] == 'V') {
    size_t i = 1;
    while (i < s.size() && has(s[i], kClsHex)) ++i;
    if (i == 1 || i >= s.size() || s[i] != '.' || i + 1 == s.size()) return false;
    for (size_t j = i + 1; j < s.size(); ++j)
      if (!has(s[j], kClsRegName) && s[j] != ':') return false;
    return true;
  }
  bool colon = false;
  for (char c : s) {
    if (c == ':') colon = true;
    else if (!has(c, kClsHex) && c != '.') return false;
  }
  return colon;
}

struct AuthorityRules {
  bool userinfo_ok;    // "user:pass@" allowed (absolute-form only)
  bool host_required;  // non-empty host
  bool port_required;  // ":" 1*5DIGIT, 1-65535 (CONNECT)
};

// authority = [ userinfo "@" ] host [ ":" port ]
bool is_authority(std::string_view s, AuthorityRules rules) {
  const size_t at = s.find('@');
  if (at != std::string_view::npos) {
    if (!rules.userinfo_ok || !is_reg_chars(s.substr(0, at), ':')) return false;
    s.remove_prefix(at + 1);
  }
  std::string_view host, rest;
  if (!s.empty() && s[0] == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos || !is_ip_literal(s.substr(1, close - 1)))
      return false;
    host = s.substr(0, close + 1);
    rest = s.substr(close + 1);
  } else {
    const size_t colon = s.find(':');
    host = s.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view() : s.substr(colon);
    if (!is_reg_chars(host, 0)) return false;
  }
  if (rules.host_required && host.empty()) return false;
  if (rest.empty()) return !rules.port_required;
  if (rest[0] != ':') return false;
  const std::string_view port = rest.substr(1);
  for (char c : port)
    if (!is_digit(c)) return false;
  if (!rules.port_required) return true;
  if (port.empty() || port.size() > 5) return false;
  uint32_t value = 0;
  for (char c : port) value = value * 10 + static_cast<uint32_t>(c - '0');
  return value >= 1 && value <= 65535;
}

// absolute-form as tusk accepts it: scheme "://" authority [ path-abempty ]
// [ "?" query ] (bytes already known to be 0x21-0x7E).
bool is_absolute_form(std::string_view t) {
  auto scheme_char = [](char c) {
    return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || is_digit(c) || c == '+' ||
           c == '-' || c == '.';
  };
  if (t.empty() || !((t[0] | 0x20) >= 'a' && (t[0] | 0x20) <= 'z')) return false;
  size_t i = 1;
  while (i < t.size() && scheme_char(t[i])) ++i;
  if (t.substr(i, 3) != "://") return false;
  const std::string_view rest = t.substr(i + 3);
  const size_t auth_end = rest.find_first_of("/?#");
  return is_authority(rest.substr(0, auth_end), {true, true, false});
}

// Checks the request line once it is complete: version, then target form.
Result check_request_line(std::string_view method, std::string_view target,
                          const char* version) {
  if (version[5] != '1' || version[7] > '1') return fail(kErrVersion505);
  if (target == "*") {
    return method == "OPTIONS" ? kComplete : fail(kErrAsterisk);
  }
  if (method == "CONNECT") {
    return is_authority(target, {false, true, true}) ? kComplete
                                                      : fail(kErrAuthority);
  }
  if (target[0] == '/') return kComplete;  // origin-form
  return is_absolute_form(target) ? kComplete : fail(kErrTargetForm);
}

// ---------------------------------------------------------------------------
// Pass 1: resumable scanner

enum Phase : uint8_t {
  kReqStart,   // start of request line (leading CRLFs allowed)
  kLeadLF,     // after a leading CR
  kMethod,
  kTarget,
  kVersion,
  kReqLF,      // after the request line's CR
  kFieldStart, // start of a field line or of the final CRLF
  kName,
  kValue,
  kFieldLF,    // after a field line's CR
  kEndLF,      // after the final CR
  kDone,
};

constexpr size_t kNoLimit = ~size_t{0};

// Cap on content bytes of a line: bytes [line_start, line_start + limit) may
// be content. Returns min(end, that cap) without overflowing.
inline size_t line_stop(size_t line_start, size_t limit, size_t end) {
  if (limit == kNoLimit || end - line_start <= limit) return end;
  return line_start + limit;
}

// Scans data[0, len) from c.pos: a request head (phase kReqStart) or a bare
// field section (trailers: phase kFieldStart). On Complete, *head_end is the
// length of the head including its final CRLF. Each completed field line is
// also stored in fields[] (views into d); they are only all valid if this
// call started at offset 0 — after a resume the caller re-splits.
Result scan(const char* d, size_t len, const Limits& lim, HeadCursor& c,
            size_t* head_end, Header* fields) {
  bool capped = false;
  size_t end = len;
  if (lim.head != 0 && len >= lim.head) {
    end = lim.head;
    capped = true;
  }
  const size_t line_limit = lim.request_line ? lim.request_line : kNoLimit;
  const size_t field_limit =
      lim.field_size ? (lim.field_size >= 2 ? lim.field_size - 2 : 0) : kNoLimit;
  const size_t max_fields =
      (lim.fields == 0 || lim.fields > kMaxHeaders) ? kMaxHeaders : lim.fields;

  size_t p = c.pos;
  // Errors leave the cursor on the offending byte: calling again repeats them.
  auto error = [&c, &p](const Error& e) {
    c.pos = p;
    return fail(e);
  };
  Result r = kIncomplete;
  for (;;) {
    if (c.phase == kDone) {
      *head_end = p;
      r = kComplete;
      break;
    }
    if (p >= end) {
      r = capped ? fail(kErrHeadTooLarge) : kIncomplete;
      break;
    }
    const char b = d[p];
    switch (c.phase) {
      case kReqStart:
        if (b == '\r') {
          c.phase = kLeadLF;
          ++p;
        } else if (b == '\n') {
          return error(kErrBareLF);
        } else {
          c.line_start = p;
          c.phase = kMethod;
        }
        continue;
      case kLeadLF:
        if (b != '\n') return error(kErrBareCR);
        if (c.empty_lines == kMaxLeadingEmptyLines)
          return error(kErrEmptyLines);
        ++c.empty_lines;
        ++p;
        c.phase = kReqStart;
        continue;
      case kMethod: {
        const size_t stop = line_stop(c.line_start, line_limit, end);
        p = skip_tchar(d, p, stop);
        if (p == end) continue;
        if (p == stop) return error(kErrLineTooLong);
        if (d[p] != ' ' || p == c.line_start) return error(kErrMethod);
        c.mark1 = ++p;
        c.phase = kTarget;
        continue;
      }
      case kTarget: {
        const size_t stop = line_stop(c.line_start, line_limit, end);
        p = skip_visible(d, p, stop);
        if (p == end) continue;
        if (p == stop) return error(kErrLineTooLong);
        if (d[p] != ' ') return error(kErrTargetByte);
        if (p == c.mark1) return error(kErrTargetEmpty);
        c.mark2 = ++p;
        c.phase = kVersion;
        continue;
      }
      case kVersion: {
        const size_t k = p - c.mark2;
        if (k == 8) {
          if (b == '\n') return error(kErrBareLF);
          if (b != '\r') return error(kErrVersion);
          ++p;
          c.phase = kReqLF;
          continue;
        }
        if (line_limit != kNoLimit && p - c.line_start >= line_limit)
          return error(kErrLineTooLong);
        const bool ok = k < 5    ? b == "HTTP/"[k]
                        : k == 6 ? b == '.'
                                 : is_digit(b);
        if (!ok) return error(kErrVersion);
        ++p;
        continue;
      }
      case kReqLF: {
        if (b != '\n') return error(kErrBareCR);
        const std::string_view method(d + c.line_start, c.mark1 - 1 - c.line_start);
        const std::string_view target(d + c.mark1, c.mark2 - 1 - c.mark1);
        const Result line = check_request_line(method, target, d + c.mark2);
        if (line.status == Status::Error) return error(line.error);
        ++p;
        c.phase = kFieldStart;
        continue;
      }
      case kFieldStart:
        if (b == '\r') {
          ++p;
          c.phase = kEndLF;
        } else if (b == '\n') {
          return error(kErrBareLF);
        } else if (is_ows(b)) {
          return error(kErrObsFold);
        } else if (c.lines >= max_fields) {
          return error(kErrTooManyFields);
        } else {
          c.line_start = p;
          c.phase = kName;
        }
        continue;
      case kName: {
        const size_t stop = line_stop(c.line_start, field_limit, end);
        p = skip_tchar(d, p, stop);
        if (p == end) continue;
        if (p == stop) return error(kErrFieldTooLarge);
        if (d[p] != ':' || p == c.line_start) return error(kErrName);
        c.mark1 = p;  // the colon
        ++p;
        c.phase = kValue;
        continue;
      }
      case kValue: {
        const size_t stop = line_stop(c.line_start, field_limit, end);
        p = skip_value(d, p, stop);
        if (p == end) continue;
        // The CR may sit right at the cap; any other byte there is one too many.
        if (p == stop && d[p] != '\r') return error(kErrFieldTooLarge);
        if (d[p] != '\r') return error(kErrValue);
        ++p;
        c.phase = kFieldLF;
        continue;
      }
      case kFieldLF: {
        if (b != '\n') return error(kErrBareCR);
        Header& h = fields[c.lines];
        h.name = std::string_view(d + c.line_start, c.mark1 - c.line_start);
        h.value = trim_ows(std::string_view(d + c.mark1 + 1, p - 2 - c.mark1));
        ++p;
        ++c.lines;
        c.phase = kFieldStart;
        continue;
      }
      case kEndLF:
        if (b != '\n') return error(kErrBareCR);
        ++p;
        c.phase = kDone;
        continue;
      default:
        return error(kErrBareCR);  // unreachable: corrupt cursor
    }
  }
  c.pos = p;
  return r;
}

// ---------------------------------------------------------------------------
// Pass 2: split a valid head into views and apply field semantics

// Splits "*( field-line CRLF ) CRLF" at p (known valid). Returns the count.
uint16_t split_fields(const char* p, const char* e, Header* out) {
  uint16_t n = 0;
  while (*p != '\r') {
    const char* colon = static_cast<const char*>(std::memchr(p, ':', e - p));
    const char* cr = static_cast<const char*>(std::memchr(colon, '\r', e - colon));
    out[n].name = std::string_view(p, colon - p);
    out[n].value = trim_ows(std::string_view(colon + 1, cr - colon - 1));
    ++n;
    p = cr + 2;
  }
  return n;
}

// Calls f(element) for each non-empty element of a comma list (#rule),
// OWS-trimmed.
template <class F>
void for_each_element(std::string_view list, F&& f) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view el = trim_ows(list.substr(0, comma));
    if (!el.empty()) f(el);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

struct TransferCodings {
  bool present = false;
  bool any = false;           // at least one non-empty element
  bool syntax_error = false;  // an element is not a token
  bool unsupported = false;   // a coding tusk does not know
  bool compressed = false;    // gzip / deflate / compress before chunked
  bool chunked_last = false;
  uint8_t chunked = 0;

  void add(std::string_view list) {
    present = true;
    for_each_element(list, [this](std::string_view el) {
      any = true;
      if (!is_token(el)) {
        syntax_error = true;
        return;
      }
      using detail::equals_lower;
      if (equals_lower(el, "chunked")) {
        if (chunked < 2) ++chunked;
        chunked_last = true;
        return;
      }
      chunked_last = false;
      if (equals_lower(el, "gzip") || equals_lower(el, "x-gzip") ||
          equals_lower(el, "deflate") || equals_lower(el, "compress") ||
          equals_lower(el, "x-compress")) {
        compressed = true;
      } else if (!equals_lower(el, "identity")) {
        unsupported = true;
      }
    });
  }

  Result check(bool has_content_length, uint8_t minor) const {
    if (syntax_error || !any) return fail(kErrTeSyntax);
    if (has_content_length) return fail(kErrTeWithCl);
    if (minor == 0) return fail(kErrTeHttp10);
    if (chunked > 1) return fail(kErrTeChunkedTwice);
    if (chunked == 1 && !chunked_last) return fail(kErrTeChunkedNotLast);
    if (unsupported) return fail(kErrTeUnsupported);
    if (chunked == 0) return fail(kErrTeNotChunked);
    return kComplete;
  }
};

// Content-Length = 1*DIGIT, at most kMaxContentLength.
bool parse_content_length(std::string_view v, uint64_t& out) {
  if (v.empty()) return false;
  uint64_t n = 0;
  for (char c : v) {
    if (!is_digit(c)) return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
    if (n > kMaxContentLength) return false;
  }
  out = n;
  return true;
}

// Semantics of the header fields of a complete request.
struct FieldFacts {
  TransferCodings te;
  bool has_cl = false, conn_close = false, conn_keep_alive = false;
  bool conn_upgrade = false, upgrade = false;
  bool expect_continue = false;
  uint8_t hosts = 0, content_types = 0;
  uint64_t cl = 0;
};

Result apply_field(const Header& h, FieldFacts& f) {
  using detail::equals_lower;
  const std::string_view n = h.name, v = h.value;
  switch (n.size()) {
    case 4:
      if (equals_lower(n, "host")) {
        if (++f.hosts > 1) return fail(kErrHostDup);
        if (!is_authority(v, {false, false, false})) return fail(kErrHostValue);
      }
      break;
    case 6:
      if (equals_lower(n, "expect")) {
        if (!equals_lower(v, "100-continue")) return fail(kErrExpect);
        f.expect_continue = true;
      }
      break;
    case 7:
      if (equals_lower(n, "upgrade")) f.upgrade = true;
      break;
    case 10:
      if (equals_lower(n, "connection")) {
        for_each_element(v, [&f](std::string_view el) {
          if (equals_lower(el, "close")) f.conn_close = true;
          else if (equals_lower(el, "keep-alive")) f.conn_keep_alive = true;
          else if (equals_lower(el, "upgrade")) f.conn_upgrade = true;
        });
      }
      break;
    case 12:
      if (equals_lower(n, "content-type") && ++f.content_types > 1)
        return fail(kErrContentTypeDup);
      break;
    case 14:
      if (equals_lower(n, "content-length")) {
        if (f.has_cl) return fail(kErrContentLengthDup);
        if (!parse_content_length(v, f.cl)) return fail(kErrContentLength);
        f.has_cl = true;
      }
      break;
    case 17:
      if (equals_lower(n, "transfer-encoding")) f.te.add(v);
      break;
    default:
      break;
  }
  return kComplete;
}

// `fields_recorded`: scan() stored every field line in out.headers in one call.
Result fill_request(const char* d, size_t head_end, const Limits& lim,
                    Request& out, uint16_t field_count, bool fields_recorded) {
  const char* p = d;
  const char* const e = d + head_end;
  while (*p == '\r') p += 2;  // skipped leading empty lines

  const char* sp1 = static_cast<const char*>(std::memchr(p, ' ', e - p));
  const char* sp2 = static_cast<const char*>(std::memchr(sp1 + 1, ' ', e - sp1 - 1));
  out.method = std::string_view(p, sp1 - p);
  out.target = std::string_view(sp1 + 1, sp2 - sp1 - 1);
  out.version_minor = static_cast<uint8_t>(sp2[8] - '0');
  out.header_count = fields_recorded ? field_count : split_fields(sp2 + 11, e, out.headers);
  out.head_length = head_end;

  FieldFacts f;
  for (uint16_t i = 0; i < out.header_count; ++i) {
    const Result r = apply_field(out.headers[i], f);
    if (r.status == Status::Error) return r;
  }

  const bool http11 = out.version_minor == 1;
  if (http11 && f.hosts == 0 && lim.require_host) return fail(kErrHostMissing);

  out.body_kind = BodyKind::None;
  out.content_length = 0;
  if (f.te.present) {
    const Result r = f.te.check(f.has_cl, out.version_minor);
    if (r.status == Status::Error) return r;
    out.body_kind = BodyKind::Chunked;
  } else if (f.has_cl) {
    if (lim.body != 0 && f.cl > lim.body) return fail(kErrBodyTooLarge);
    out.body_kind = BodyKind::Length;
    out.content_length = f.cl;
  }

  out.keep_alive = http11 ? !f.conn_close : (f.conn_keep_alive && !f.conn_close);
  if (f.te.compressed) out.keep_alive = false;
  out.expect_continue = http11 && f.expect_continue;
  out.upgrade = http11 && f.upgrade;  // RFC 9110 §7.8: ignored in HTTP/1.0
  out.connection_upgrade = f.conn_upgrade;
  return kComplete;
}

}  // namespace

Result parse_head(const char* data, size_t len, const Limits& limits,
                  Request& out, HeadCursor* cursor) {
  HeadCursor local;
  HeadCursor& c = cursor ? *cursor : local;
  const bool fresh = c.pos == 0;
  size_t head_end = 0;
  const Result r = scan(data, len, limits, c, &head_end, out.headers);
  if (r.status != Status::Complete) return r;
  return fill_request(data, head_end, limits, out, c.lines, fresh);
}

namespace detail {

Result parse_field_section(const char* data, size_t len, const Limits& limits,
                           Header* fields, uint16_t& count,
                           size_t* section_length, HeadCursor* cursor) {
  HeadCursor local;
  HeadCursor& c = cursor ? *cursor : local;
  if (c.phase == kReqStart) c.phase = kFieldStart;
  const bool fresh = c.pos == 0;
  size_t end = 0;
  const Result r = scan(data, len, limits, c, &end, fields);
  if (r.status != Status::Complete) return r;
  count = fresh ? c.lines : split_fields(data, data + end, fields);
  *section_length = end;
  return r;
}

bool equals_lower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (size_t i = 0; i < s.size(); ++i)
    if (kLower[static_cast<uint8_t>(s[i])] != lower[i]) return false;
  return true;
}

}  // namespace detail
}  // namespace tusk::http
