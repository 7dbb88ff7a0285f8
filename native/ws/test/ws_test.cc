// native/ws/test/ws_test.cc — unit tests of the WebSocket frame layer: the Reader's rules and close
// codes (the Autobahn case groups framing, pings, reserved bits, opcodes, fragmentation, UTF-8,
// limits, close, compression), the encoder, the UTF-8 validator, permessage-deflate negotiation
// and round trips, the handshake key; plus a seeded random-input loop over the Reader (the fuzzer's
// checks, run in every build).
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "http/test/harness.h"
#include "ws/deflate.h"
#include "ws/frame.h"
#include "ws/handshake.h"
#include "ws/utf8.h"

using namespace tusk::ws;

namespace {

// A masked client frame.
std::string client_frame(uint8_t first, std::string_view payload, bool masked = true) {
  std::string f;
  f += char(first);
  uint8_t m = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    f += char(m | payload.size());
  } else if (payload.size() <= 0xFFFF) {
    f += char(m | 126);
    f += char(payload.size() >> 8);
    f += char(payload.size());
  } else {
    f += char(m | 127);
    for (int i = 7; i >= 0; --i) f += char(uint64_t(payload.size()) >> (8 * i));
  }
  const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) f.append(reinterpret_cast<const char*>(key), 4);
  for (size_t i = 0; i < payload.size(); ++i) f += masked ? char(uint8_t(payload[i]) ^ key[i & 3]) : payload[i];
  return f;
}

struct Run {
  std::vector<Event::Kind> kinds;
  std::vector<std::string> data;
  uint16_t code = 0;
};

// Feeds `bytes` to a Reader, in pieces of `step` bytes at most (0: all at once).
Run feed(std::string bytes, uint64_t max = 1 << 20, Deflate* d = nullptr, size_t step = 0) {
  Reader r(max, d);
  Run out;
  std::string pending;
  size_t pos = 0;
  while (pos < bytes.size() || !pending.empty()) {
    size_t take = step ? std::min(step, bytes.size() - pos) : bytes.size() - pos;
    pending.append(bytes, pos, take);
    pos += take;
    for (;;) {
      size_t used;
      Event e = r.Next(&pending[0], pending.size(), &used);
      if (e.kind == Event::Error) {
        out.kinds.push_back(e.kind);
        out.code = e.code;
        return out;
      }
      if (e.kind != Event::None) {
        out.kinds.push_back(e.kind);
        out.data.emplace_back(e.data);
        if (e.kind == Event::Close) out.code = e.code;
      }
      pending.erase(0, used);
      if (used == 0) break;
    }
    if (take == 0) break;
  }
  return out;
}

uint16_t error_of(const std::string& bytes, uint64_t max = 1 << 20) {
  Run r = feed(bytes, max);
  return !r.kinds.empty() && r.kinds.back() == Event::Error ? r.code : 0;
}

}  // namespace

TEST(text_and_binary_whole_and_split) {
  std::string bytes = client_frame(0x81, "Hello") + client_frame(0x82, std::string(300, '\x01'));
  for (size_t step : {size_t(0), size_t(1), size_t(3)}) {
    Run r = feed(bytes, 1 << 20, nullptr, step);
    CHECK_EQ(r.kinds.size(), size_t(2));
    CHECK_EQ(r.data[0], std::string("Hello"));
    CHECK_EQ(r.data[1].size(), size_t(300));
  }
}

TEST(large_64bit_length) {
  Run r = feed(client_frame(0x82, std::string(70000, 'x')));
  CHECK_EQ(r.kinds.size(), size_t(1));
  CHECK_EQ(r.data[0].size(), size_t(70000));
}

TEST(fragmentation_with_interleaved_ping) {
  std::string bytes = client_frame(0x01, "Hel") + client_frame(0x89, "p") + client_frame(0x00, "l") +
                      client_frame(0x80, "o");
  Run r = feed(bytes);
  CHECK_EQ(r.kinds.size(), size_t(2));
  CHECK(r.kinds[0] == Event::Ping);
  CHECK(r.kinds[1] == Event::Message);
  CHECK_EQ(r.data[1], std::string("Hello"));
}

TEST(protocol_errors_1002) {
  CHECK_EQ(error_of(client_frame(0x81, "x", false)), 1002);          // unmasked
  CHECK_EQ(error_of(client_frame(0xA1, "x")), 1002);                 // RSV2
  CHECK_EQ(error_of(client_frame(0x91, "x")), 1002);                 // RSV3
  CHECK_EQ(error_of(client_frame(0xC1, "x")), 1002);                 // RSV1 without deflate
  CHECK_EQ(error_of(client_frame(0x83, "x")), 1002);                 // reserved data opcode
  CHECK_EQ(error_of(client_frame(0x8B, "x")), 1002);                 // reserved control opcode
  CHECK_EQ(error_of(client_frame(0x09, "x")), 1002);                 // fragmented ping
  CHECK_EQ(error_of(client_frame(0x89, std::string(126, 'x'))), 1002);  // ping over 125
  CHECK_EQ(error_of(client_frame(0x80, "x")), 1002);                 // continuation, nothing open
  CHECK_EQ(error_of(client_frame(0x01, "a") + client_frame(0x81, "b")), 1002);  // new message mid-message
  CHECK_EQ(error_of(client_frame(0x88, "x")), 1002);                 // 1-byte close
  CHECK_EQ(error_of(client_frame(0x88, std::string("\x03\xed", 2))), 1002);  // close code 1005
  CHECK_EQ(error_of(client_frame(0x88, std::string("\x03\xe7", 2))), 1002);  // 999
  CHECK_EQ(error_of(client_frame(0x88, std::string("\x13\x88", 2))), 1002);  // 5000
  std::string huge("\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00", 10);  // length with top bit set
  CHECK_EQ(error_of(huge), 1002);
}

TEST(utf8_1007_fail_fast_across_fragments) {
  CHECK_EQ(error_of(client_frame(0x81, "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80")), 1007);
  // Invalid already in the first fragment: the error comes before the message ends.
  Run r = feed(client_frame(0x01, "\xc0\xaf"));
  CHECK_EQ(r.code, 1007);
  // A code point split across fragments is fine.
  Run ok = feed(client_frame(0x01, "\xce") + client_frame(0x80, "\xba"));
  CHECK_EQ(ok.kinds.size(), size_t(1));
  CHECK_EQ(ok.data[0], std::string("\xce\xba"));
  // ...but not one left open at the end.
  CHECK_EQ(error_of(client_frame(0x81, "\xce")), 1007);
  CHECK_EQ(error_of(client_frame(0x88, std::string("\x03\xe8\xff", 3))), 1007);  // close reason
  CHECK_EQ(error_of(client_frame(0x82, "\xff")), 0);  // binary is not checked
}

TEST(limits_1009) {
  CHECK_EQ(error_of(client_frame(0x82, std::string(101, 'x')), 100), 1009);
  CHECK_EQ(error_of(client_frame(0x02, std::string(60, 'x')) + client_frame(0x80, std::string(60, 'x')), 100), 1009);
  CHECK_EQ(error_of(client_frame(0x82, std::string(100, 'x')), 100), 0);
}

TEST(close_frames) {
  Run r = feed(client_frame(0x88, std::string("\x03\xe8" "bye", 5)));
  CHECK_EQ(r.code, 1000);
  CHECK_EQ(r.data[0], std::string("bye"));
  Run empty = feed(client_frame(0x88, ""));
  CHECK_EQ(empty.code, 1005);
  CHECK_EQ(feed(client_frame(0x88, std::string("\x0f\xa0", 2))).code, 4000);
}

TEST(encoder) {
  std::string out;
  encode_frame(&out, Opcode::Text, "hi");
  CHECK_EQ(out, std::string("\x81\x02hi"));
  out.clear();
  encode_frame(&out, Opcode::Binary, std::string(200, 'x'));
  CHECK_EQ(out.size(), size_t(204));
  CHECK_EQ(uint8_t(out[1]), 126);
  out.clear();
  encode_frame(&out, Opcode::Binary, std::string(70000, 'x'));
  CHECK_EQ(out.size(), size_t(70010));
  out.clear();
  encode_close(&out, 1001, std::string(200, 'r'));
  CHECK_EQ(out.size(), size_t(127));
  CHECK_EQ(uint8_t(out[2]), 0x03);
  CHECK_EQ(uint8_t(out[3]), 0xe9);
}

TEST(utf8_validator) {
  CHECK(valid_utf8(reinterpret_cast<const uint8_t*>("plain ascii text!"), 17));
  const char* bad[] = {"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\xaf", "\xf5", "\x80"};
  for (const char* s : bad) CHECK(!valid_utf8(reinterpret_cast<const uint8_t*>(s), std::strlen(s)));
  const char* good[] = {"\xc2\x80", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", "\xef\xbf\xbf"};
  for (const char* s : good) CHECK(valid_utf8(reinterpret_cast<const uint8_t*>(s), std::strlen(s)));
}

TEST(deflate_negotiation) {
  DeflateParams p;
  std::string resp;
  CHECK(negotiate_deflate("permessage-deflate; client_max_window_bits", &p, &resp));
  CHECK_EQ(resp, std::string("permessage-deflate"));
  CHECK(negotiate_deflate("permessage-deflate; server_no_context_takeover; server_max_window_bits=10", &p, &resp));
  CHECK_EQ(resp, std::string("permessage-deflate; server_no_context_takeover; server_max_window_bits=10"));
  CHECK(!negotiate_deflate("permessage-deflate; bogus", &p, &resp));
  CHECK(!negotiate_deflate("permessage-deflate; server_max_window_bits=8", &p, &resp));
  CHECK(!negotiate_deflate("x-webkit-deflate-frame", &p, &resp));
  CHECK(negotiate_deflate("permessage-deflate; server_max_window_bits=16, permessage-deflate", &p, &resp));
  CHECK_EQ(resp, std::string("permessage-deflate"));
}

TEST(deflate_round_trip_and_compressed_frames) {
  for (bool no_takeover : {false, true}) {
    DeflateParams p;
    p.server_no_context_takeover = p.client_no_context_takeover = no_takeover;
    Deflate d(p);
    CHECK(d.ok());
    std::string text(5000, 'a');
    for (int round = 0; round < 3; ++round) {
      std::string z;
      CHECK(d.Compress(text, &z));
      CHECK(z.size() < 100);
      // Our output, fed back as a client's compressed (RSV1) frame, fragmented.
      std::string bytes = client_frame(0x41, z.substr(0, 5)) + client_frame(0x80, z.substr(5));
      Run r = feed(bytes, 1 << 20, &d);
      CHECK_EQ(r.code, 0);
      CHECK_EQ(r.kinds.size(), size_t(1));
      if (!r.data.empty()) CHECK_EQ(r.data[0], text);
      // A message that inflates past the limit: 1009 (the connection, and its stream, end there).
      Deflate fresh(p);
      std::string z0;
      CHECK(fresh.Compress(text, &z0));
      Deflate other(p);
      CHECK_EQ(feed(client_frame(0xC1, z0), 4000, &other).code, 1009);
    }
    CHECK_EQ(feed(client_frame(0xC1, "\xff\xff\xff\xff"), 1 << 20, &d).code, 1007);
    CHECK_EQ(feed(client_frame(0xC9, "x"), 1 << 20, &d).code, 1002);  // RSV1 on a control frame
  }
}

TEST(handshake_key) {
  // RFC 6455 §1.3.
  CHECK_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), std::string("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  CHECK(valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
  CHECK(!valid_key("dGhlIHNhbXBsZSBub25jZQ="));
  CHECK(!valid_key("dGhlIHNhbXBsZSBub25jZR=="));
  CHECK(!valid_key("dGhlIHNhbXBsZSBub25j*Q=="));
}

TEST(random_input_never_faults) {
  std::mt19937 rng(12);
  Deflate d{DeflateParams{}};
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = char(rng());
    if (!bytes.empty()) bytes[0] = char((bytes[0] & 0xCF) | 0x00);
    if (bytes.size() > 1) bytes[1] = char(bytes[1] | 0x80);
    Run r = feed(bytes, 1 << 10, (i & 1) ? &d : nullptr, 1 + rng() % 7);
    for (auto k : r.kinds) CHECK(k != Event::None);
    if (!r.kinds.empty() && r.kinds.back() == Event::Error)
      CHECK(r.code == 1002 || r.code == 1007 || r.code == 1009);
  }
}

int main(int argc, char** argv) { return harness::run_all(argc > 1 ? argv[1] : "", 0, 0); }
