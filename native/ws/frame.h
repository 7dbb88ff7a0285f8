// native/ws/frame.h — the WebSocket frame layer (RFC 6455 §5): a Reader that turns a client's
// bytes into messages and control events, enforcing the protocol's rules, and the encoder for the
// server's (unmasked) frames. Pure: no I/O, no N-API, no libuv; the engine, the unit tests and the
// fuzzer all drive this one Reader.
//
// The Reader's rules and the close code each breach earns:
//   1002: reserved bits set (RSV1 only with permessage-deflate, on the first frame of a data
//         message), a reserved opcode, an unmasked client frame, a control frame fragmented or over
//         125 bytes, a continuation with no message open or a new message while one is open, a
//         64-bit length with its top bit set, a close payload of 1 byte or with a code that may not
//         be sent (RFC 6455 §7.4);
//   1007: text (or a close reason) that is not UTF-8, checked as fragments arrive; compressed data
//         that does not inflate;
//   1009: a frame, or a whole message (after inflating), over max_payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ws/utf8.h"

namespace tusk::ws {

class Deflate;

enum class Opcode : uint8_t { Continuation = 0, Text = 1, Binary = 2, Close = 8, Ping = 9, Pong = 10 };

// Close codes the engine sends.
enum CloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kNoStatus = 1005,  // never sent: a close frame without a code
  kInvalidData = 1007,
  kTooBig = 1009,
  kInternalError = 1011,
};

// A code a peer may put in a close frame (RFC 6455 §7.4.1, IANA registry).
bool close_code_allowed(uint16_t code);

struct Event {
  enum Kind : uint8_t { None, Message, Ping, Pong, Close, Error } kind = None;
  bool binary = false;    // Message: binary, else text (valid UTF-8)
  uint16_t code = 0;      // Close: the peer's code (kNoStatus if none); Error: the code to close with
  std::string_view data;  // Message payload, Ping/Pong payload, Close reason; valid until the next call
};

class Reader {
 public:
  // `deflate` (may be null): the connection negotiated permessage-deflate and inflates with it.
  Reader(uint64_t max_payload, Deflate* deflate) : max_payload_(max_payload), deflate_(deflate) {}

  // Reads at most one frame from data[0, len), unmasking its payload in place. *used is the bytes
  // consumed: 0 when the frame is not complete yet (kind None). A non-final fragment is consumed
  // with kind None. After an Error every call returns the same Error.
  Event Next(char* data, size_t len, size_t* used);
  bool in_message() const { return open_ != 0; }

 private:
  Event Fail(uint16_t code);
  uint64_t max_payload_;
  Deflate* deflate_;
  uint8_t open_ = 0;          // opcode of the fragmented message being received, 0 for none
  bool open_compressed_ = false;
  uint16_t error_ = 0;
  Utf8Validator utf8_;
  std::string message_;       // fragments so far (compressed bytes when open_compressed_)
  std::string inflated_;
};

// Appends one unmasked server frame. `rsv1`: the payload is compressed (first frame only).
void encode_frame(std::string* out, Opcode op, std::string_view payload, bool fin = true, bool rsv1 = false);
// A close frame with `code` and a reason cut to fit 125 bytes (at a UTF-8 boundary).
void encode_close(std::string* out, uint16_t code, std::string_view reason = {});

}  // namespace tusk::ws
