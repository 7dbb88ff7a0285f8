// native/ws/utf8.h — incremental UTF-8 validation for WebSocket text (RFC 6455 §8.1): bytes may
// arrive split anywhere (across frames of one message, across reads), so the validator keeps the
// state of a code point left open. Rejects overlong forms, surrogates and code points past
// U+10FFFF. Pure: no I/O.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tusk::ws {

class Utf8Validator {
 public:
  // false as soon as the bytes so far cannot begin valid UTF-8; the validator then stays failed.
  bool Feed(const uint8_t* p, size_t n);
  // Every code point fed so far is complete (call at the end of a message).
  bool complete() const { return need_ == 0 && !failed_; }
  void Reset() { need_ = 0; lo_ = 0x80; hi_ = 0xBF; failed_ = false; }

 private:
  uint8_t need_ = 0;  // continuation bytes still expected
  uint8_t lo_ = 0x80, hi_ = 0xBF;  // range allowed for the next continuation byte
  bool failed_ = false;
};

// The whole of [p, p+n) is valid UTF-8.
bool valid_utf8(const uint8_t* p, size_t n);

}  // namespace tusk::ws
