// native/http/parser.h — tusk's HTTP/1.1 request-head parser (public API).
//
// Owns: the Limits / Request / Result types and parse_head(), which turns the
// bytes of a request head (request line + header section, RFC 9112) into a
// Request of std::string_views into the caller's buffer. Pure: no I/O, no
// allocation, no exceptions, no globals with state. The chunked body decoder
// lives in chunked.h and shares Limits, Header and Error with this file.
//
// Strictness (RFC 9112 / RFC 9110), in short:
//   * CRLF is required everywhere; a bare LF or bare CR anywhere -> 400.
//   * Up to kMaxLeadingEmptyLines CRLFs before the request line are skipped.
//   * method = token; single SPs; request-target bytes 0x21-0x7E only; the
//     target form must fit the method (origin / absolute / authority-form for
//     CONNECT only / asterisk-form for OPTIONS only); version "HTTP/D.D":
//     1.0 and 1.1 accepted, any other well-formed version -> 505.
//   * field-name = token, no whitespace before ':'; field values may hold
//     VCHAR, obs-text, SP, HTAB only (OWS around the value is trimmed);
//     obs-fold -> 400.
//   * Content-Length = 1*DIGIT <= 2^53-1; any second Content-Length line is
//     rejected, even with an identical value (as Gunicorn does: one framing
//     header, one value); a comma list is not 1*DIGIT and is rejected too.
//   * Transfer-Encoding: see parse_head() below for the full decision table.
//   * Host: HTTP/1.1 without Host, a second Host line, or a Host value that is
//     not uri-host [":" port] -> 400. A second Content-Type line -> 400.
//   * Expect: "100-continue" (case-insensitive) is recorded; any other
//     expectation -> 417.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tusk::http {

// Storage for header (and trailer) field lines; Limits::fields enforces the
// configured count, this caps it.
constexpr size_t kMaxHeaders = 128;
// CRLFs tolerated before a request line (RFC 9112 §2.2 asks for at least one).
constexpr size_t kMaxLeadingEmptyLines = 8;
// Largest Content-Length / chunk size / body accepted at all (2^53 - 1, the
// largest integer a JS number holds exactly).
constexpr uint64_t kMaxContentLength = (uint64_t{1} << 53) - 1;

// Every limit is a plain value the caller may change; 0 means "unlimited"
// (still bounded by kMaxHeaders for field counts).
struct Limits {
  uint32_t request_line = 4094;  // request-line bytes, CRLF excluded   -> 414
  uint32_t fields = 100;         // header / trailer field lines        -> 431
  uint32_t field_size = 8190;    // one field line, its CRLF included    -> 431
  uint32_t head = 65536;         // whole head incl. leading CRLFs and the
                                 // final CRLFCRLF; also caps a trailer section
                                 //                                      -> 431
  uint64_t body = 0;             // Content-Length / decoded chunked size -> 413
  uint32_t chunk_line = 4096;    // one chunk-size line (size + extensions),
                                 // CRLF excluded                        -> 400
  bool require_host = true;      // RFC 9112 §3.2: HTTP/1.1 needs exactly one
                                 // Host. Only tests should turn this off.
};

struct Header {
  std::string_view name;   // as sent (case preserved); compare case-insensitively
  std::string_view value;  // leading/trailing SP/HTAB trimmed
};

enum class BodyKind : uint8_t {
  None,     // no Content-Length, no Transfer-Encoding: no body
  Length,   // Content-Length: read content_length bytes (may be 0)
  Chunked,  // Transfer-Encoding ends in chunked: use ChunkedDecoder
};

struct Request {
  std::string_view method;
  std::string_view target;    // request-target exactly as sent
  uint8_t version_minor = 0;  // HTTP/1.<minor>; only 0 and 1 are accepted
  Header headers[kMaxHeaders];
  uint16_t header_count = 0;
  BodyKind body_kind = BodyKind::None;
  uint64_t content_length = 0;  // valid when body_kind == Length
  bool keep_alive = false;      // 1.1: unless "Connection: close"; 1.0: only
                                // with "Connection: keep-alive". Also false
                                // when a compression coding precedes chunked.
  bool expect_continue = false; // "Expect: 100-continue" on an HTTP/1.1 request
  bool upgrade = false;         // an Upgrade field is present (HTTP/1.1 only:
                                // RFC 9110 §7.8 ignores it in HTTP/1.0)
  bool connection_upgrade = false;  // Connection lists the "upgrade" option
  size_t head_length = 0;       // bytes consumed by the head, including any
                                // skipped leading CRLFs and the final CRLFCRLF
};

enum class Status : uint8_t { Complete, Incomplete, Error };

struct Error {
  uint16_t http_status = 0;   // 400, 413, 414, 417, 431, 501 or 505
  const char* reason = "";    // static, short, human-readable
};

struct Result {
  Status status = Status::Incomplete;
  Error error;
};

// Resume point for parse_head() on a growing buffer. Value-initialise it
// ({}) for every new request and pass the same object back with the same
// request start (data may move; only offsets are kept). It lets each call
// validate only the bytes it has not seen yet, so a head arriving in n pieces
// costs O(head) instead of O(n * head). Contents are private to the parser.
struct HeadCursor {
  size_t pos = 0;         // bytes of the head already validated
  size_t line_start = 0;  // start of the line being validated
  size_t mark1 = 0;       // request line: start of target; field line: unused
  size_t mark2 = 0;       // request line: start of version
  uint16_t lines = 0;     // field lines completed
  uint8_t phase = 0;
  uint8_t empty_lines = 0;
};

// Parses the request head at the start of data[0, len).
//   Complete:   `out` is filled; out.head_length bytes were the head; body
//               bytes (if any) start at data + out.head_length.
//   Incomplete: no error in the bytes seen so far; call again with more bytes
//               (same request start). `out` content is unspecified.
//   Error:      error.http_status / error.reason say why; `out` unspecified.
// Errors are reported as soon as the offending byte (or a byte past a limit)
// is visible, and the outcome never depends on how the bytes were split
// across calls. With cursor == nullptr every call rescans from the start.
//
// Transfer-Encoding (all Transfer-Encoding lines form one list; empty list
// elements are ignored):
//   element not a token, or no coding at all   -> 400
//   Transfer-Encoding together with Content-Length -> 400
//   Transfer-Encoding in an HTTP/1.0 request    -> 400
//   chunked more than once, or not last         -> 400
//   a coding other than identity, gzip, x-gzip, deflate, compress,
//   x-compress (in any position)                -> 501
//   final coding is not chunked (e.g. "gzip")   -> 501
// Codings before chunked stay on the body for the application (Gunicorn does
// the same); gzip/deflate/compress there also clear keep_alive.
Result parse_head(const char* data, size_t len, const Limits& limits,
                  Request& out, HeadCursor* cursor = nullptr);

namespace detail {

// Shared with the chunked decoder (trailer sections). Scans/parses a field
// section "*( field-line CRLF ) CRLF" at data[0, len) with the same rules and
// limits as a request's header section (Limits::head caps the section).
// On Complete, fields[0, count) are filled and *section_length is the number
// of bytes consumed including the final CRLF. `cursor` works as for
// parse_head (value-initialise it at the section start).
Result parse_field_section(const char* data, size_t len, const Limits& limits,
                           Header* fields, uint16_t& count,
                           size_t* section_length, HeadCursor* cursor);

// ASCII case-insensitive equality; `lower` must be lower-case.
bool equals_lower(std::string_view s, std::string_view lower);

}  // namespace detail
}  // namespace tusk::http
