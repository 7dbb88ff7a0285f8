// native/http/test/sim.h — test-only connection simulator for the parser.
//
// Owns simulate(): plays the part of tusk's future connection engine over a
// byte string delivered in pieces (a keep-alive connection: parse a head,
// read a Content-Length or chunked body, repeat), and records what the
// application would see. Every parser call gets an exact-size heap copy of
// the unconsumed bytes, so reads past `len` trip AddressSanitizer and views
// into a moved buffer would be caught by the comparisons. Used by
// parser_test.cc and fuzz/fuzz_parser.cc.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked.h"
#include "http/parser.h"

namespace tusk::http::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct SimRequest {
  std::string method, target;
  int minor = 0;
  Fields headers, trailers;
  std::string body;
  bool keep_alive = false;
  bool operator==(const SimRequest& o) const {
    return method == o.method && target == o.target && minor == o.minor &&
           headers == o.headers && trailers == o.trailers && body == o.body &&
           keep_alive == o.keep_alive;
  }
};

enum class SimEnd : uint8_t {
  Clean,      // every byte consumed, or the connection closed after a request
  Truncated,  // input ended inside a head or a body
  HeadError,  // parse_head() said Error
  BodyError,  // ChunkedDecoder said Error
};

struct SimOutcome {
  std::vector<SimRequest> requests;
  SimEnd end = SimEnd::Clean;
  uint16_t status = 0;
  std::string reason;
  bool operator==(const SimOutcome& o) const {
    return requests == o.requests && end == o.end && status == o.status &&
           reason == o.reason;
  }
};

inline std::unique_ptr<char[]> exact_copy(std::string_view s) {
  // At least one byte so .get() is never null; only s.size() bytes are passed.
  std::unique_ptr<char[]> p(new char[s.size() ? s.size() : 1]);
  if (!s.empty()) std::memcpy(p.get(), s.data(), s.size());
  return p;
}

inline Fields copy_fields(const Header* h, size_t n) {
  Fields f;
  for (size_t i = 0; i < n; ++i)
    f.emplace_back(std::string(h[i].name), std::string(h[i].value));
  return f;
}

class Connection {
 public:
  Connection(const Limits& limits, bool use_cursor)
      : limits_(limits), use_cursor_(use_cursor), req_(new Request), dec_(limits) {}

  // Appends bytes and processes as much as possible. False once closed.
  bool receive(std::string_view bytes) {
    if (closed_) return false;
    buf_.append(bytes.data(), bytes.size());
    process();
    return !closed_;
  }

  // End of input. A request whose Content-Length body was cut short is
  // reported with the bytes that did arrive (end = Truncated).
  SimOutcome finish() {
    if (!closed_ && (state_ != State::Head || !buf_.empty())) {
      out_.end = SimEnd::Truncated;
      if (state_ == State::Length) out_.requests.push_back(cur_);
    }
    return out_;
  }

 private:
  enum class State { Head, Length, Chunked };

  void close(SimEnd end, const Error& e) {
    closed_ = true;
    out_.end = end;
    out_.status = e.http_status;
    out_.reason = e.reason;
  }

  void finish_request() {
    out_.requests.push_back(cur_);
    state_ = State::Head;
    if (!cur_.keep_alive) closed_ = true;  // Clean: the rest is ignored
  }

  bool step_head() {
    if (buf_.empty()) return false;
    auto window = exact_copy(buf_);
    const Result r = parse_head(window.get(), buf_.size(), limits_, *req_,
                                use_cursor_ ? &cursor_ : nullptr);
    if (r.status == Status::Incomplete) return false;
    if (r.status == Status::Error) {
      close(SimEnd::HeadError, r.error);
      return false;
    }
    const Request& q = *req_;
    cur_ = SimRequest{};
    cur_.method = std::string(q.method);
    cur_.target = std::string(q.target);
    cur_.minor = q.version_minor;
    cur_.headers = copy_fields(q.headers, q.header_count);
    cur_.keep_alive = q.keep_alive;
    buf_.erase(0, q.head_length);
    cursor_ = HeadCursor{};
    if (q.body_kind == BodyKind::Chunked) {
      dec_.reset();
      state_ = State::Chunked;
    } else if (q.body_kind == BodyKind::Length && q.content_length > 0) {
      remaining_ = q.content_length;
      state_ = State::Length;
    } else {
      finish_request();
    }
    return true;
  }

  bool step_length() {
    const size_t n = remaining_ < buf_.size() ? static_cast<size_t>(remaining_) : buf_.size();
    if (n == 0) return false;
    cur_.body.append(buf_, 0, n);
    buf_.erase(0, n);
    remaining_ -= n;
    if (remaining_ == 0) finish_request();
    return true;
  }

  bool step_chunked() {
    auto window = exact_copy(buf_);
    const ChunkStep s = dec_.decode(window.get(), buf_.size());
    switch (s.status) {
      case ChunkStatus::Data:
        cur_.body.append(s.data.data(), s.data.size());
        buf_.erase(0, s.consumed);
        return true;
      case ChunkStatus::NeedMore:
        buf_.erase(0, s.consumed);
        return false;
      case ChunkStatus::Done:
        cur_.trailers = copy_fields(dec_.trailers(), dec_.trailer_count());
        buf_.erase(0, s.consumed);
        finish_request();
        return true;
      case ChunkStatus::Error:
        close(SimEnd::BodyError, s.error);
        return false;
    }
    return false;
  }

  void process() {
    for (;;) {
      if (closed_) return;
      bool progressed = false;
      switch (state_) {
        case State::Head: progressed = step_head(); break;
        case State::Length: progressed = step_length(); break;
        case State::Chunked: progressed = step_chunked(); break;
      }
      if (!progressed) return;
    }
  }

  Limits limits_;
  bool use_cursor_;
  std::unique_ptr<Request> req_;
  ChunkedDecoder dec_;
  HeadCursor cursor_;
  std::string buf_;
  State state_ = State::Head;
  uint64_t remaining_ = 0;
  SimRequest cur_;
  SimOutcome out_;
  bool closed_ = false;
};

// Delivers raw in pieces: cut points are offsets into raw (ascending).
inline SimOutcome simulate(std::string_view raw, const Limits& limits,
                           const std::vector<size_t>& cuts, bool use_cursor = true) {
  Connection conn(limits, use_cursor);
  size_t from = 0;
  for (size_t cut : cuts) {
    if (cut <= from || cut >= raw.size()) continue;
    if (!conn.receive(raw.substr(from, cut - from))) return conn.finish();
    from = cut;
  }
  conn.receive(raw.substr(from));
  return conn.finish();
}

// Byte by byte: every prefix of raw is seen by the parser.
inline SimOutcome simulate_bytewise(std::string_view raw, const Limits& limits,
                                    bool use_cursor = true) {
  Connection conn(limits, use_cursor);
  for (size_t i = 0; i < raw.size(); ++i)
    if (!conn.receive(raw.substr(i, 1))) break;
  return conn.finish();
}

}  // namespace tusk::http::test
