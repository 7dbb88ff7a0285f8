// native/http/fuzz/fuzz_parser.cc — libFuzzer target for the HTTP parser.
//
// Owns LLVMFuzzerTestOneInput. Input: byte 0 picks limits and mode, bytes 1-2
// seed the split points, the rest is what a client sends. Checks, aborting on
// any violation (ASan/UBSan catch the memory errors):
//   * parse_head on the whole input: a valid Status, a known HTTP status,
//     head_length <= len, every view inside the input, header_count bounded;
//   * every growing prefix (fuzzer-chosen cut points, with and without a
//     HeadCursor, each prefix in its own exact-size buffer) gives Incomplete
//     or exactly the whole-input outcome;
//   * ChunkedDecoder over the body (or over the raw input in body mode) gives
//     the same bytes / trailers / status whether fed whole or split;
//   * a simulated keep-alive connection (pipelined requests, bodies) gives
//     the same outcome whole, split, and byte by byte.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/test/test_util.h"

namespace {
using namespace tusk::http;
using namespace tusk::http::test;

void require(bool ok) {
  if (!ok) std::abort();
}

Limits pick_limits(uint8_t mode) {
  Limits l;
  switch (mode & 3) {
    case 0: break;  // defaults
    case 1:
      l.request_line = 64; l.fields = 4; l.field_size = 48; l.head = 256;
      l.body = 100; l.chunk_line = 16;
      break;
    case 2:
      l.request_line = 24; l.fields = 2; l.field_size = 24; l.head = 64;
      l.body = 10; l.chunk_line = 6;
      break;
    case 3:
      l.request_line = 0; l.fields = 0; l.field_size = 0; l.head = 0;
      l.body = 0; l.chunk_line = 0;
      break;
  }
  if (mode & 8) l.require_host = false;
  return l;
}

// Ascending cut points in (0, n) from a small PRNG.
std::vector<size_t> cuts_for(uint32_t seed, size_t n) {
  std::vector<size_t> cuts;
  if (n < 2) return cuts;
  uint32_t x = seed | 1;
  size_t at = 0;
  for (int i = 0; i < 12; ++i) {
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    at += 1 + x % (n / 4 + 1);
    if (at >= n) break;
    cuts.push_back(at);
  }
  return cuts;
}

bool known_status(uint16_t s) {
  switch (s) {
    case 400: case 413: case 414: case 417: case 431: case 501: case 505: return true;
    default: return false;
  }
}

void check_head(const std::string& raw, const Limits& lim, const std::vector<size_t>& cuts) {
  auto buf = exact_copy(raw);
  auto req = std::make_unique<Request>();
  const Result whole = parse_head(buf.get(), raw.size(), lim, *req);
  const std::string expected = describe(whole, *req);
  switch (whole.status) {
    case Status::Complete: {
      require(req->head_length <= raw.size() && req->head_length >= 16);
      require(req->header_count <= kMaxHeaders);
      require(lim.fields == 0 || req->header_count <= lim.fields);
      require(req->version_minor <= 1);
      require(!req->method.empty() && !req->target.empty());
      Parsed p;  // reuse the view check
      p.buf = std::move(buf);
      p.req = std::move(req);
      p.len = raw.size();
      require(p.views_inside());
      break;
    }
    case Status::Error:
      require(known_status(whole.error.http_status));
      require(whole.error.reason != nullptr && whole.error.reason[0] != '\0');
      break;
    case Status::Incomplete:
      break;
  }

  // Growing prefixes at the cut points, with a cursor and without.
  Request tmp;
  HeadCursor cursor;
  std::vector<size_t> ends(cuts);
  ends.push_back(raw.size());
  for (size_t end : ends) {
    auto prefix = exact_copy(std::string_view(raw).substr(0, end));
    const Result a = parse_head(prefix.get(), end, lim, tmp, &cursor);
    const std::string da = describe(a, tmp);
    const Result b = parse_head(prefix.get(), end, lim, tmp);
    require(da == describe(b, tmp));
    require(a.status == Status::Incomplete || da == expected);
  }
  // Small inputs: every prefix.
  if (raw.size() <= 128) {
    for (size_t k = 0; k < raw.size(); ++k) {
      auto prefix = exact_copy(std::string_view(raw).substr(0, k));
      const Result a = parse_head(prefix.get(), k, lim, tmp);
      require(a.status == Status::Incomplete || describe(a, tmp) == expected);
    }
  }
}

void check_body(const std::string& body, const Limits& lim, const std::vector<size_t>& cuts) {
  const Decoded whole = decode_pieces(body, lim, {});
  const Decoded split = decode_pieces(body, lim, cuts);
  require(whole.text() == split.text());
  require(whole.consumed <= body.size());
  require(lim.body == 0 || whole.data.size() <= lim.body);
  if (whole.status == ChunkStatus::Error) require(known_status(whole.http_status));
  if (body.size() <= 512) {
    std::vector<size_t> every;
    for (size_t k = 1; k < body.size(); ++k) every.push_back(k);
    require(decode_pieces(body, lim, every).text() == whole.text());
  }
}

void check_connection(const std::string& raw, const Limits& lim, const std::vector<size_t>& cuts) {
  const SimOutcome whole = simulate(raw, lim, {});
  require(simulate(raw, lim, cuts) == whole);
  if (raw.size() <= 512) require(simulate_bytewise(raw, lim) == whole);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const uint8_t mode = data[0];
  const uint32_t seed = data[1] | (uint32_t{data[2]} << 8) | (uint32_t{mode} << 16);
  const std::string raw(reinterpret_cast<const char*>(data + 3), size - 3);
  const Limits lim = pick_limits(mode);
  const std::vector<size_t> cuts = cuts_for(seed, raw.size());

  if (mode & 4) {  // body mode: the whole input is a chunked body
    check_body(raw, lim, cuts);
    return 0;
  }
  check_head(raw, lim, cuts);
  check_connection(raw, lim, cuts);

  // The body after a chunked head, split independently.
  Request req;
  const Result r = parse_head(raw.data(), raw.size(), lim, req);
  if (r.status == Status::Complete && req.body_kind == BodyKind::Chunked) {
    const std::string body = raw.substr(req.head_length);
    check_body(body, lim, cuts_for(seed * 2654435761u, body.size()));
  }
  return 0;
}
