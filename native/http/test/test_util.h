// native/http/test/test_util.h — helpers shared by tusk's parser unit tests.
//
// Owns parse() / EXPECT_HEAD_ERROR (parse_head on an exact-size copy, plus an
// automatic check that every way of feeding the same bytes — each growing
// prefix with and without a HeadCursor, the buffer moving between calls —
// gives the same outcome) and decode() (ChunkedDecoder over every two-piece
// split and byte by byte, with the caller-side retention the API asks for).
#pragma once

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/chunked.h"
#include "http/parser.h"
#include "http/test/harness.h"
#include "http/test/sim.h"

namespace tusk::http::test {

// Limits with a fluent setter per field: Lim().fields(2).head(100).
struct Lim : Limits {
  Lim& request_line_(uint32_t v) { request_line = v; return *this; }
  Lim& fields_(uint32_t v) { fields = v; return *this; }
  Lim& field_size_(uint32_t v) { field_size = v; return *this; }
  Lim& head_(uint32_t v) { head = v; return *this; }
  Lim& body_(uint64_t v) { body = v; return *this; }
  Lim& chunk_line_(uint32_t v) { chunk_line = v; return *this; }
  Lim& no_host_() { require_host = false; return *this; }
};

// Canonical text of a parse outcome, for comparing two of them.
inline std::string describe(const Result& r, const Request& q) {
  std::string s;
  if (r.status == Status::Incomplete) return "incomplete";
  if (r.status == Status::Error)
    return "error " + std::to_string(r.error.http_status) + " " + r.error.reason;
  s = "complete " + std::string(q.method) + " " + std::string(q.target) + " 1." +
      std::to_string(q.version_minor) + " len=" + std::to_string(q.head_length) +
      " body=" + std::to_string(static_cast<int>(q.body_kind)) + "/" +
      std::to_string(q.content_length) + " ka=" + std::to_string(q.keep_alive) +
      " exp=" + std::to_string(q.expect_continue) + " up=" + std::to_string(q.upgrade) +
      std::to_string(q.connection_upgrade);
  for (uint16_t i = 0; i < q.header_count; ++i)
    s += "\n" + std::string(q.headers[i].name) + ": " + std::string(q.headers[i].value);
  return s;
}

struct Parsed {
  std::unique_ptr<char[]> buf;
  std::unique_ptr<Request> req = std::make_unique<Request>();
  Result res;
  size_t len = 0;
  const Request* operator->() const { return req.get(); }
  bool complete() const { return res.status == Status::Complete; }
  // Every view of a complete request lies inside the parsed buffer.
  bool views_inside() const {
    auto in = [this](std::string_view v) {
      return v.data() >= buf.get() && v.data() + v.size() <= buf.get() + len;
    };
    if (!in(req->method) || !in(req->target)) return false;
    for (uint16_t i = 0; i < req->header_count; ++i)
      if (!in(req->headers[i].name) || !in(req->headers[i].value)) return false;
    return true;
  }
};

// Feeding raw in every way must give `expected` (the whole-buffer outcome):
// each prefix is either Incomplete or already the final outcome.
inline void check_incremental(std::string_view raw, const Limits& lim,
                              const std::string& expected, const char* file, int line) {
  Request tmp;
  HeadCursor cursor;
  std::string with_cursor = "incomplete";
  for (size_t k = 0; k <= raw.size(); ++k) {
    auto prefix = exact_copy(raw.substr(0, k));  // a new buffer: data "moves"
    const Result r = parse_head(prefix.get(), k, lim, tmp, &cursor);
    const std::string d = describe(r, tmp);
    const Result plain = parse_head(prefix.get(), k, lim, tmp);
    const std::string dp = describe(plain, tmp);
    if (d != dp) {
      harness::fail_check(file, line, "cursor/no-cursor differ at prefix " +
                                          std::to_string(k) + ": " + d + " | " + dp);
      return;
    }
    if (r.status == Status::Incomplete) continue;
    if (d != expected) {
      harness::fail_check(file, line, "prefix " + std::to_string(k) + " gave " + d +
                                          " but whole input gave " + expected);
      return;
    }
    with_cursor = d;
  }
  if (with_cursor != expected)
    harness::fail_check(file, line, "incremental end " + with_cursor + " vs " + expected);
}

inline Parsed parse_at(std::string_view raw, const Limits& lim, const char* file, int line) {
  Parsed p;
  p.buf = exact_copy(raw);
  p.len = raw.size();
  p.res = parse_head(p.buf.get(), raw.size(), lim, *p.req);
  check_incremental(raw, lim, describe(p.res, *p.req), file, line);
  if (p.complete() && !p.views_inside())
    harness::fail_check(file, line, "a view points outside the input");
  return p;
}

#define PARSE(raw, ...) \
  ::tusk::http::test::parse_at(raw, ::tusk::http::Limits(__VA_ARGS__), __FILE__, __LINE__)

inline void expect_head_error(std::string_view raw, uint16_t status, std::string_view reason,
                              const Limits& lim, const char* file, int line) {
  const Parsed p = parse_at(raw, lim, file, line);
  if (p.res.status != Status::Error || p.res.error.http_status != status ||
      reason != p.res.error.reason)
    harness::fail_check(file, line, "expected error " + std::to_string(status) + " " +
                                        std::string(reason) + ", got " +
                                        describe(p.res, *p.req) + " for " + harness::show(raw));
}

#define EXPECT_HEAD_ERROR(raw, status, reason, ...)                                     \
  ::tusk::http::test::expect_head_error(raw, status, reason,                            \
                                        ::tusk::http::Limits(__VA_ARGS__), __FILE__, __LINE__)

// --- chunked ---------------------------------------------------------------

struct Decoded {
  ChunkStatus status = ChunkStatus::NeedMore;
  std::string data;
  Fields trailers;
  size_t consumed = 0;  // input bytes used (for Done: the body's length)
  uint16_t http_status = 0;
  std::string reason;
  std::string text() const {
    // How much was consumed before an error depends on the splits: not compared.
    const std::string used = status == ChunkStatus::Error ? "-" : std::to_string(consumed);
    std::string s = std::to_string(static_cast<int>(status)) + " consumed=" + used + " data=" + harness::show(data) + " err=" +
                    std::to_string(http_status) + " " + reason;
    for (const auto& t : trailers) s += " [" + t.first + ": " + t.second + "]";
    return s;
  }
};

// Feeds body to one decoder in pieces (cut offsets ascending), keeping the
// unconsumed tail as a caller must.
inline Decoded decode_pieces(std::string_view body, const Limits& lim,
                             const std::vector<size_t>& cuts) {
  ChunkedDecoder dec(lim);
  Decoded out;
  std::string pending;
  size_t from = 0;
  std::vector<size_t> ends(cuts);
  ends.push_back(body.size());
  for (size_t cut : ends) {
    if (cut < from || cut > body.size()) continue;
    pending.append(body.substr(from, cut - from));
    from = cut;
    for (;;) {
      auto window = exact_copy(pending);
      const ChunkStep s = dec.decode(window.get(), pending.size());
      // API invariants: never consume more than given; slices inside the input.
      if (s.consumed > pending.size()) std::abort();
      if (s.status == ChunkStatus::Data &&
          (s.data.empty() || s.data.data() < window.get() ||
           s.data.data() + s.data.size() > window.get() + s.consumed))
        std::abort();
      out.status = s.status;
      if (s.status == ChunkStatus::Error) {
        out.http_status = s.error.http_status;
        out.reason = s.error.reason;
        return out;
      }
      out.consumed += s.consumed;
      pending.erase(0, s.consumed);
      if (s.status == ChunkStatus::Data) {
        out.data.append(s.data.data(), s.data.size());
        continue;
      }
      if (s.status == ChunkStatus::Done) {
        out.trailers = copy_fields(dec.trailers(), dec.trailer_count());
        return out;
      }
      break;  // NeedMore
    }
  }
  return out;
}

// Decodes whole, then checks every two-piece split and byte-by-byte feeding
// give the same result.
inline Decoded decode_at(std::string_view body, const Limits& lim, const char* file, int line) {
  const Decoded whole = decode_pieces(body, lim, {});
  for (size_t k = 1; k < body.size(); ++k) {
    const Decoded split = decode_pieces(body, lim, {k});
    if (split.text() != whole.text()) {
      harness::fail_check(file, line, "split at " + std::to_string(k) + ": " + split.text() +
                                          " vs whole " + whole.text());
      return whole;
    }
  }
  std::vector<size_t> every;
  for (size_t k = 1; k < body.size(); ++k) every.push_back(k);
  const Decoded bytes = decode_pieces(body, lim, every);
  if (bytes.text() != whole.text())
    harness::fail_check(file, line, "bytewise: " + bytes.text() + " vs whole " + whole.text());
  return whole;
}

#define DECODE(body, ...) \
  ::tusk::http::test::decode_at(body, ::tusk::http::Limits(__VA_ARGS__), __FILE__, __LINE__)

}  // namespace tusk::http::test
