// native/ws/utf8.cc — the UTF-8 validator (utf8.h).
#include "ws/utf8.h"

#include <cstring>

namespace tusk::ws {

bool Utf8Validator::Feed(const uint8_t* p, size_t n) {
  if (failed_) return false;
  size_t i = 0;
  while (i < n) {
    if (need_ == 0) {
      // ASCII runs, eight bytes at a time.
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ull) break;
        i += 8;
      }
      if (i == n) break;
      uint8_t b = p[i++];
      if (b < 0x80) continue;
      lo_ = 0x80;
      hi_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        need_ = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        need_ = 2;
        if (b == 0xE0) lo_ = 0xA0;       // overlong
        else if (b == 0xED) hi_ = 0x9F;  // surrogates
      } else if (b >= 0xF0 && b <= 0xF4) {
        need_ = 3;
        if (b == 0xF0) lo_ = 0x90;       // overlong
        else if (b == 0xF4) hi_ = 0x8F;  // past U+10FFFF
      } else {
        failed_ = true;
        return false;
      }
    } else {
      uint8_t b = p[i++];
      if (b < lo_ || b > hi_) {
        failed_ = true;
        return false;
      }
      lo_ = 0x80;
      hi_ = 0xBF;
      --need_;
    }
  }
  return true;
}

bool valid_utf8(const uint8_t* p, size_t n) {
  Utf8Validator v;
  return v.Feed(p, n) && v.complete();
}

}  // namespace tusk::ws
