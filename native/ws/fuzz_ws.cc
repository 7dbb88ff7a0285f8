// native/ws/fuzz_ws.cc — libFuzzer target for the WebSocket frame Reader (ws/frame.h).
//
// Owns LLVMFuzzerTestOneInput. Byte 0 picks the max payload (low bits) and whether permessage-
// deflate is on (bit 7); the rest is a client's byte stream, fed in pieces whose sizes come from
// byte 0 too. Aborts when an Error carries a code other than 1002/1007/1009, when a text message is
// not UTF-8, when a message exceeds the max payload, or when a call reports bytes used past its
// input (ASan/UBSan catch the memory errors).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "ws/deflate.h"
#include "ws/frame.h"
#include "ws/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tusk::ws;
  if (size < 1) return 0;
  uint64_t max = uint64_t(16) << (data[0] & 15);
  size_t step = 1 + ((data[0] >> 4) & 7);
  Deflate deflate{DeflateParams{}};
  Reader reader(max, (data[0] & 0x80) ? &deflate : nullptr);
  std::string pending;
  size_t pos = 1;
  while (pos < size) {
    size_t take = std::min(step, size - pos);
    pending.append(reinterpret_cast<const char*>(data + pos), take);
    pos += take;
    for (;;) {
      size_t used;
      Event e = reader.Next(&pending[0], pending.size(), &used);
      if (used > pending.size()) std::abort();
      if (e.kind == Event::Error) {
        if (e.code != 1002 && e.code != 1007 && e.code != 1009) std::abort();
        return 0;
      }
      if (e.kind == Event::Message) {
        if (e.data.size() > max) std::abort();
        if (!e.binary && !valid_utf8(reinterpret_cast<const uint8_t*>(e.data.data()), e.data.size())) std::abort();
      }
      pending.erase(0, used);
      if (used == 0) break;
    }
  }
  return 0;
}
