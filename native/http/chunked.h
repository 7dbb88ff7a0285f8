// native/http/chunked.h — tusk's incremental chunked-body decoder (public API).
//
// Owns ChunkedDecoder: a byte-level state machine for RFC 9112 §7.1
//   chunked-body = *chunk last-chunk trailer-section CRLF
// fed arbitrary splits of the body bytes. Zero-copy: decoded data comes back
// as string_views into the caller's input. Pure: no I/O, no allocation, no
// exceptions. Strictness:
//   * chunk-size = 1*HEXDIG (no sign, no whitespace before it, no "0x");
//     a size above kMaxContentLength -> 400; past Limits::body -> 413.
//   * chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
//     is syntax-checked and discarded; whitespace after the size is only
//     allowed before a ';'. The size line (size + extensions, CRLF excluded)
//     is capped by Limits::chunk_line.
//   * CRLF is required after every chunk's data and at the end of every line.
//   * The trailer section is parsed like a header section (same byte rules,
//     Limits::fields / field_size / head) and may not carry Host,
//     Content-Length, Transfer-Encoding, Trailer, TE or Authorization
//     (RFC 9110 §6.5.1; the same set Gunicorn refuses).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/parser.h"

namespace tusk::http {

enum class ChunkStatus : uint8_t {
  Data,      // `data` holds decoded body bytes; call again with the rest
  NeedMore,  // all usable input consumed; call again when more bytes arrive
  Done,      // body finished; bytes after `consumed` belong to the next request
  Error,     // `error` says why; the connection must be closed
};

struct ChunkStep {
  ChunkStatus status = ChunkStatus::NeedMore;
  size_t consumed = 0;     // input bytes used by this call (framing + data)
  std::string_view data;   // Data only: a slice of the input
  Error error;             // Error only
};

class ChunkedDecoder {
 public:
  explicit ChunkedDecoder(const Limits& limits = Limits()) : limits_(limits) {}

  // Starts a new body (keeps the limits).
  void reset();
  void set_limits(const Limits& limits) { limits_ = limits; }

  // Decodes from data[0, len), returning at most one data slice per call.
  // The caller advances its input by `consumed` and calls again while the
  // status is Data. NeedMore with consumed < len happens only while a trailer
  // section is incomplete: the trailer is kept zero-copy, so the caller must
  // present data[consumed, len) again, followed by the new bytes. Errors are
  // reported as soon as the offending byte is seen; once Done or Error, the
  // decoder stays so until reset().
  ChunkStep decode(const char* data, size_t len);

  // Convenience loop over decode(): sink(std::string_view) gets every slice.
  // Returns the last step with `consumed` counting all bytes used.
  template <class Sink>
  ChunkStep feed(const char* data, size_t len, Sink&& sink) {
    size_t used = 0;
    for (;;) {
      ChunkStep step = decode(data + used, len - used);
      used += step.consumed;
      if (step.status == ChunkStatus::Data) {
        sink(step.data);
        continue;
      }
      step.consumed = used;
      return step;
    }
  }

  // Trailer fields, valid after Done while the input buffer of the final
  // call is unchanged.
  const Header* trailers() const { return trailers_; }
  uint16_t trailer_count() const { return trailer_count_; }
  // Decoded body bytes announced so far (sum of chunk sizes seen).
  uint64_t body_size() const { return total_; }

 private:
  ChunkStep fail(const Error& e, size_t consumed);
  ChunkStep on_trailers(const char* data, size_t len, size_t p);

  Limits limits_;
  uint64_t size_ = 0;       // size of the chunk being read (hex so far)
  uint64_t remaining_ = 0;  // data bytes left in the current chunk
  uint64_t total_ = 0;      // sum of chunk sizes
  uint32_t line_len_ = 0;   // bytes of the current size line
  uint8_t state_ = 0;
  Error error_;
  HeadCursor trailer_cursor_;
  uint16_t trailer_count_ = 0;
  Header trailers_[kMaxHeaders];
};

}  // namespace tusk::http
