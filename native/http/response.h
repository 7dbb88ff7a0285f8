// native/http/response.h — what the engine writes back: status lines, the Date header (formatted
// once a second), canned error responses, and the serialisation of a response head.
// Pure string building, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::http {

// "OK" for 200, "Not Found" for 404, ... ; "Unknown" for codes without a standard phrase.
std::string_view reason_phrase(uint16_t status);

// True for responses that never carry a body: 1xx, 204, 304 (and any response to HEAD).
inline bool status_has_no_body(uint16_t status) { return status < 200 || status == 204 || status == 304; }

// The current "Date: ...\r\n" line, refreshed by refresh_date() (the engine calls it once a second).
std::string_view date_line();
void refresh_date();

// A complete response for a rejected request: status line, Date, Content-Type, Content-Length,
// Connection: close and a one-line body naming the reason.
std::string error_response(uint16_t status, std::string_view reason);

// What the head of a response needs to know about the request and the body.
struct HeadPlan {
  uint16_t status = 200;
  bool http10 = false;        // the request was HTTP/1.0
  bool keep_alive = true;     // keep the connection open after this response
  bool head_request = false;  // HEAD: announce the length, send no body
  bool has_length = false;    // the body length is known (Content-Length)
  uint64_t length = 0;
  bool chunked = false;       // stream with Transfer-Encoding: chunked
};

// Appends the status line, Date, the application's headers (flat name/value pairs, already
// validated), framing headers and the blank line to `out`. The application's own Content-Length,
// Transfer-Encoding and Connection headers are replaced by the engine's.
struct HeaderView {
  std::string_view name;
  std::string_view value;
};
void append_head(std::string& out, const HeadPlan& plan, const HeaderView* headers, size_t count);

// Framing for one chunk of a chunked body: "<hex>\r\n" before, "\r\n" after.
void append_chunk_prefix(std::string& out, size_t size);

// True when `name` is a header the engine owns (content-length, transfer-encoding, connection, date).
bool engine_owned_header(std::string_view name);

// Header names must be tokens and values must not hold CR, LF or NUL (no response splitting).
bool valid_header_name(std::string_view name);
bool valid_header_value(std::string_view value);

}  // namespace tusk::http
