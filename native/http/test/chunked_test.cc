// native/http/test/chunked_test.cc — unit tests for ChunkedDecoder.
//
// Owns the targeted tests of the chunked-body rules: chunk sizes (hex, case,
// leading zeros, overflow, body limit), extensions (syntax, bound), CRLF after
// data, trailers (syntax, forbidden fields, count / size / section limits),
// sticky Done / Error, and split feeding (DECODE replays every two-piece split
// and byte-by-byte input, see test_util.h).
#include <string>

#include "http/test/test_util.h"

namespace {
using namespace tusk::http;
using namespace tusk::http::test;
using namespace std::literals;

void expect_body_error(std::string_view body, uint16_t status, std::string_view reason,
                       const Limits& lim, const char* file, int line) {
  const Decoded d = decode_at(body, lim, file, line);
  if (d.status != ChunkStatus::Error || d.http_status != status || d.reason != reason)
    harness::fail_check(file, line, "expected body error " + std::to_string(status) + " " +
                                        std::string(reason) + ", got " + d.text() + " for " +
                                        harness::show(body));
}
#define EXPECT_BODY_ERROR(body, status, reason, ...) \
  expect_body_error(body, status, reason, ::tusk::http::Limits(__VA_ARGS__), __FILE__, __LINE__)

TEST(chunked_simple) {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  const Decoded d = DECODE(body + "GET / HTTP/1.1\r\n");
  CHECK(d.status == ChunkStatus::Done);
  CHECK_EQ(d.data, "hello world");
  CHECK_EQ(d.consumed, body.size());  // the next request is left alone
  CHECK(d.trailers.empty());
}

TEST(chunked_sizes) {
  CHECK_EQ(DECODE("1e\r\nall your base are belong to us\r\n0\r\n\r\n").data,
           "all your base are belong to us");
  CHECK_EQ(DECODE("A\r\n0123456789\r\n0\r\n\r\n").data, "0123456789");
  CHECK_EQ(DECODE("a\r\n0123456789\r\n0\r\n\r\n").data, "0123456789");
  CHECK_EQ(DECODE("0005\r\nhello\r\n000\r\n\r\n").data, "hello");
  CHECK(DECODE("0\r\n\r\n").status == ChunkStatus::Done);
  const std::string big(70000, 'x');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", big.size());
  const Decoded d = decode_pieces(std::string(size) + "\r\n" + big + "\r\n0\r\n\r\n", Limits(), {100, 5000});
  CHECK(d.status == ChunkStatus::Done);
  CHECK(d.data == big);
}

TEST(chunked_size_errors) {
  for (const char* body : {"-5\r\nhello\r\n0\r\n\r\n", "+5\r\nhello\r\n0\r\n\r\n",
                           " 5\r\nhello\r\n0\r\n\r\n", "0x5\r\nhello\r\n0\r\n\r\n",
                           "6_0\r\nhello\r\n0\r\n\r\n", "\r\nhello\r\n0\r\n\r\n",
                           ";foo=bar\r\nhello\r\n0\r\n\r\n", "g\r\n"})
    EXPECT_BODY_ERROR(body, 400, "invalid chunk size");
  // Whitespace after the size only before an extension.
  EXPECT_BODY_ERROR("5\r\nhello\r\n0 \r\n\r\n", 400, "invalid chunk size");
  EXPECT_BODY_ERROR("5\t\r\nhello\r\n0\r\n\r\n", 400, "invalid chunk size");
  EXPECT_BODY_ERROR("5\n;\r\nhello\r\n0\r\n\r\n", 400, "invalid chunk size");
  EXPECT_BODY_ERROR("5\r\r\nhello\r\n0\r\n\r\n", 400, "bare CR in chunk size line");
}

TEST(chunked_size_overflow) {
  EXPECT_BODY_ERROR("10000000000000000\r\n", 400, "chunk size too large");
  EXPECT_BODY_ERROR("ffffffffffffffffffff\r\n", 400, "chunk size too large");
  EXPECT_BODY_ERROR("20000000000000\r\n", 400, "chunk size too large");  // 2^53
  // 2^53-1 is a size we accept (the data just never arrives here).
  CHECK(DECODE("1fffffffffffff\r\nabc").status == ChunkStatus::NeedMore);
  // Leading zeros never overflow.
  CHECK_EQ(DECODE(std::string(1000, '0') + "3\r\nabc\r\n0\r\n\r\n").data, "abc");
}

TEST(chunked_body_limit) {
  const std::string body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  CHECK(DECODE(body, Lim().body_(11)).status == ChunkStatus::Done);
  EXPECT_BODY_ERROR(body, 413, "content too large", Lim().body_(10));
  // Early: the size alone is enough, before any data arrives.
  EXPECT_BODY_ERROR("100\r\n", 413, "content too large", Lim().body_(255));
  EXPECT_BODY_ERROR("5\r\nhello\r\n1", 413, "content too large", Lim().body_(5));
}

TEST(chunked_extensions) {
  for (const char* line : {"5; some; parameters=stuff", "5;foo=\"bar baz\"", "5;a", "5 ;a", "5\t;\ta",
                           "5;a=b;c=d", "5;a = b", "5;a= \"q\\\"x\\\\\" ; b", "5;a=\"\"",
                           "5;a=\"\xe9\x80\"", "5;a=b ;c"}) {
    const Decoded d = DECODE(std::string(line) + "\r\nhello\r\n0\r\n\r\n");
    CHECK(d.status == ChunkStatus::Done);
    CHECK_EQ(d.data, "hello");
  }
  for (const char* line : {"5;", "5; ", "5;=b", "5;a=", "5;a=\"unterminated", "5;a b", "5;a=b c",
                           "5;a=\"x\"y", "5;a \r", "5;a=b ", "5;a=\"\x01\"", "5;(x)", "5;a=\"\\\x01\""}) {
    EXPECT_BODY_ERROR(std::string(line) + "\r\nhello\r\n0\r\n\r\n", 400, "invalid chunk extension");
  }
  EXPECT_BODY_ERROR("5;ext=val\rue\r\nhello\r\n0\r\n\r\n", 400, "bare CR in chunk size line");
}

TEST(chunked_line_limit) {
  // chunk_line bounds size + extensions (CRLF excluded).
  const std::string ext = ";" + std::string(26, 'e');  // "5" + ext = 28 bytes
  CHECK(DECODE("5" + ext + "\r\nhello\r\n0\r\n\r\n", Lim().chunk_line_(28)).status ==
        ChunkStatus::Done);
  EXPECT_BODY_ERROR("5" + ext + "\r\nhello\r\n0\r\n\r\n", 400, "chunk size line too long",
                    Lim().chunk_line_(27));
  EXPECT_BODY_ERROR("5;" + std::string(5000, 'e') + "\r\nhello\r\n0\r\n\r\n", 400,
                    "chunk size line too long");
  EXPECT_BODY_ERROR(std::string(5000, '0') + "\r\n\r\n", 400, "chunk size line too long");
  // Early: no CRLF needed.
  EXPECT_BODY_ERROR("5;" + std::string(5000, 'e'), 400, "chunk size line too long");
}

TEST(chunked_data_crlf) {
  EXPECT_BODY_ERROR("5\r\nhelloX\r\n0\r\n\r\n", 400, "missing CRLF after chunk data");
  EXPECT_BODY_ERROR("5\r\nhello\rX0\r\n\r\n", 400, "missing CRLF after chunk data");
  EXPECT_BODY_ERROR("5\r\nhello\n0\r\n\r\n", 400, "missing CRLF after chunk data");
  EXPECT_BODY_ERROR("5\r\nhello world\r\n0\r\n\r\n", 400, "missing CRLF after chunk data");
  EXPECT_BODY_ERROR("5\nhello\r\n0\r\n\r\n", 400, "invalid chunk size");
  EXPECT_BODY_ERROR("5\r\nhello\r\n0\r\n\n", 400, "bare LF (CRLF required)");
}

TEST(chunked_truncated_needs_more) {
  for (const char* body : {"", "5", "5\r", "5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                           "5\r\nhello\r\n0\r\nX: y\r\n", "0\r\nX"}) {
    CHECK(DECODE(std::string_view(body)).status == ChunkStatus::NeedMore);
  }
}

TEST(chunked_trailers) {
  const Decoded d = DECODE("5\r\nhello\r\n6\r\n world\r\n0\r\nVary: *\r\nContent-Type: \ttext/plain \r\n\r\nNEXT");
  CHECK(d.status == ChunkStatus::Done);
  CHECK_EQ(d.data, "hello world");
  CHECK_EQ(d.trailers.size(), 2u);
  if (d.trailers.size() == 2) {
    CHECK_EQ(d.trailers[0].first, "Vary");
    CHECK_EQ(d.trailers[0].second, "*");
    CHECK_EQ(d.trailers[1].second, "text/plain");
  }
  for (const char* name : {"Content-Length: 99", "Host: evil.example.com", "Transfer-Encoding: chunked",
                           "trailer: x", "TE: trailers", "Authorization: Basic x"})
    EXPECT_BODY_ERROR("0\r\n" + std::string(name) + "\r\n\r\n", 400, "forbidden trailer field");
  EXPECT_BODY_ERROR("0\r\nX: a\r\n b\r\n\r\n", 400, "obsolete line folding");
  EXPECT_BODY_ERROR("0\r\nX : a\r\n\r\n", 400, "invalid header name");
  EXPECT_BODY_ERROR("0\r\nX: a\0b\r\n\r\n"sv, 400, "invalid header value");
  EXPECT_BODY_ERROR("0\r\nX: a\r\n\n", 400, "bare LF (CRLF required)");
}

TEST(chunked_trailer_limits) {
  const std::string three = "0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  CHECK(DECODE(three, Lim().fields_(3)).status == ChunkStatus::Done);
  EXPECT_BODY_ERROR(three, 431, "too many header fields", Lim().fields_(2));
  const std::string field = "0\r\nX: " + std::string(15, 'v') + "\r\n\r\n";  // line = 20 bytes
  CHECK(DECODE(field, Lim().field_size_(20)).status == ChunkStatus::Done);
  EXPECT_BODY_ERROR(field, 431, "header field too large", Lim().field_size_(19));
  // The trailer section as a whole is capped by Limits::head.
  std::string many = "0\r\n";
  for (int i = 0; i < 10; ++i) many += "X" + std::to_string(i) + ": " + std::string(20, 'v') + "\r\n";
  many += "\r\n";
  CHECK(DECODE(many, Lim().head_(static_cast<uint32_t>(many.size() - 3))).status == ChunkStatus::Done);
  EXPECT_BODY_ERROR(many, 431, "request head too large",
                    Lim().head_(static_cast<uint32_t>(many.size() - 4)));
}

TEST(chunked_done_and_error_are_sticky) {
  ChunkedDecoder dec;
  const std::string body = "0\r\n\r\n";
  ChunkStep s = dec.decode(body.data(), body.size());
  CHECK(s.status == ChunkStatus::Done);
  CHECK_EQ(s.consumed, 5u);
  s = dec.decode("1\r\nx", 4);
  CHECK(s.status == ChunkStatus::Done);
  CHECK_EQ(s.consumed, 0u);
  dec.reset();
  s = dec.decode("z", 1);
  CHECK(s.status == ChunkStatus::Error);
  s = dec.decode("0\r\n\r\n", 5);
  CHECK(s.status == ChunkStatus::Error);
  dec.reset();
  CHECK(dec.decode("0\r\n\r\n", 5).status == ChunkStatus::Done);
}

TEST(chunked_feed_convenience) {
  ChunkedDecoder dec;
  const std::string body = "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\nT: v\r\n\r\nrest";
  std::string got;
  const ChunkStep s = dec.feed(body.data(), body.size(), [&](std::string_view v) { got += v; });
  CHECK(s.status == ChunkStatus::Done);
  CHECK_EQ(got, "abcde");
  CHECK_EQ(s.consumed, body.size() - 4);
  CHECK_EQ(dec.trailer_count(), 1);
  CHECK_EQ(dec.body_size(), 5u);
  // Data slices point into the input.
  ChunkedDecoder d2;
  const ChunkStep first = d2.decode(body.data(), body.size());
  CHECK(first.status == ChunkStatus::Data);
  CHECK(first.data.data() == body.data() + 3);
}

TEST(chunked_trailer_retention) {
  // While the trailer section is incomplete, its bytes are not consumed.
  ChunkedDecoder dec;
  const std::string part = "2\r\nab\r\n0\r\nX-T";
  std::string got;
  ChunkStep s = dec.feed(part.data(), part.size(), [&](std::string_view v) { got += v; });
  CHECK(s.status == ChunkStatus::NeedMore);
  CHECK_EQ(s.consumed, part.size() - 3);
  const std::string rest = "X-T: 1\r\n\r\n";
  s = dec.decode(rest.data(), rest.size());
  CHECK(s.status == ChunkStatus::Done);
  CHECK_EQ(s.consumed, rest.size());
  CHECK_EQ(dec.trailer_count(), 1);
  CHECK_EQ(dec.trailers()[0].value, "1");
}

}  // namespace
