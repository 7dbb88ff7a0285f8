// native/ws/deflate.h — permessage-deflate (RFC 7692): negotiating the extension from a client's
// Sec-WebSocket-Extensions offer, and the per-connection inflate/deflate streams.
//
// zlib: the addon links nothing extra. Node's binary exports zlib's symbols and its include dir
// ships zlib.h, so the addon resolves them from the running node; the standalone CMake build
// (tests, fuzzer) links the system zlib instead. Pure otherwise: no I/O, no N-API.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::ws {

// What both sides agreed to (RFC 7692 §7.1).
struct DeflateParams {
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int server_max_window_bits = 15;  // the window our deflater uses
  int client_max_window_bits = 15;  // the window the client deflates with (ours inflates with 15)
};

// Picks the first acceptable permessage-deflate offer in a Sec-WebSocket-Extensions value. Returns
// false when there is none (then the connection runs uncompressed); otherwise fills `params` and
// `response` (the value of our Sec-WebSocket-Extensions header). Offers with unknown, duplicate or
// out-of-range parameters are declined, as is server_max_window_bits=8 (zlib deflates with 9).
bool negotiate_deflate(std::string_view offers, DeflateParams* params, std::string* response);

class Deflate {
 public:
  explicit Deflate(const DeflateParams& params);
  ~Deflate();
  Deflate(const Deflate&) = delete;
  Deflate& operator=(const Deflate&) = delete;
  bool ok() const { return ok_; }  // both zlib streams were set up

  // Inflates one whole message's payload (the frames' payloads joined) and appends it to `out`.
  // Returns 0, 1009 when the message would exceed `max` bytes, or 1007 for data that does not inflate.
  uint16_t Inflate(std::string_view in, uint64_t max, std::string* out);
  // Deflates one whole message and appends the frame payload (without the 00 00 ff ff tail).
  bool Compress(std::string_view in, std::string* out);

 private:
  DeflateParams params_;
  z_stream in_{};
  z_stream out_{};
  bool in_ready_ = false, out_ready_ = false, ok_ = false;
};

}  // namespace tusk::ws
