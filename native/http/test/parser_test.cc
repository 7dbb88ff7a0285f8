// native/http/test/parser_test.cc — unit tests for parse_head() and main().
//
// Owns the targeted tests of the request-head rules (request line, target
// forms, versions, field syntax, every limit, Content-Length /
// Transfer-Encoding / Host semantics, keep-alive, Expect, incremental
// feeding). Every PARSE / EXPECT_HEAD_ERROR also replays its input prefix by
// prefix (see test_util.h). chunked_test.cc and corpus_test.cc hold the rest.
//
//   parser_test [corpus-lines-file] [--verbose] [--filter=substring]
//   (--verbose prints tusk's outcome for every corpus case)
#include <cstring>
#include <string>

#include "http/test/test_util.h"

namespace tusk::http::test {
int run_corpus(const char* path, bool verbose, int& passed, int& failed);  // corpus_test.cc
}

namespace {
using namespace tusk::http;
using namespace tusk::http::test;
using namespace std::literals;

const std::string kGet = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

std::string with_header(std::string_view line) {
  return "GET / HTTP/1.1\r\nHost: a\r\n" + std::string(line) + "\r\n\r\n";
}
std::string request_line(std::string_view line) {
  return std::string(line) + "\r\nHost: a\r\n\r\n";
}

// --- basics ------------------------------------------------------------------

TEST(simple_get) {
  const std::string raw =
      "GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\nBODY";
  const Parsed p = PARSE(raw);
  CHECK(p.complete());
  CHECK_EQ(p->method, "GET");
  CHECK_EQ(p->target, "/index.html?q=1");
  CHECK_EQ(p->version_minor, 1);
  CHECK_EQ(p->header_count, 2);
  CHECK_EQ(p->headers[0].name, "Host");
  CHECK_EQ(p->headers[0].value, "example.com");
  CHECK_EQ(p->headers[1].name, "Accept");
  CHECK_EQ(p->headers[1].value, "*/*");
  CHECK_EQ(p->head_length, raw.size() - 4);
  CHECK(p->body_kind == BodyKind::None);
  CHECK(p->keep_alive);
  CHECK(!p->expect_continue);
  CHECK(!p->upgrade);
}

TEST(incomplete_until_final_crlf) {
  for (const char* partial : {"", "G", "GET / HTTP/1.1", "GET / HTTP/1.1\r",
                              "GET / HTTP/1.1\r\nHost: a\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r"}) {
    const Parsed p = PARSE(std::string_view(partial));
    CHECK(p.res.status == Status::Incomplete);
  }
}

TEST(leading_empty_lines_skipped) {
  const Parsed p = PARSE("\r\n\r\n" + kGet);
  CHECK(p.complete());
  CHECK_EQ(p->method, "GET");
  CHECK_EQ(p->head_length, kGet.size() + 4);
  std::string eight;
  for (size_t i = 0; i < kMaxLeadingEmptyLines; ++i) eight += "\r\n";
  CHECK(PARSE(eight + kGet).complete());
  EXPECT_HEAD_ERROR(eight + "\r\n" + kGet, 400, "too many empty lines before request line");
  EXPECT_HEAD_ERROR("\n" + kGet, 400, "bare LF (CRLF required)");
  EXPECT_HEAD_ERROR("\rGET / HTTP/1.1\r\n\r\n", 400, "bare CR (CRLF required)");
}

// --- request line --------------------------------------------------------------

TEST(request_line_separators) {
  EXPECT_HEAD_ERROR(request_line("GET  / HTTP/1.1"), 400, "empty request target");
  EXPECT_HEAD_ERROR(request_line("GET / HTTP/1.1 "), 400, "invalid HTTP version");
  EXPECT_HEAD_ERROR(request_line(" GET / HTTP/1.1"), 400, "invalid method");
  EXPECT_HEAD_ERROR(request_line("GET\t/ HTTP/1.1"), 400, "invalid method");
  EXPECT_HEAD_ERROR(request_line("GET /\tHTTP/1.1"), 400, "invalid byte in request target");
  EXPECT_HEAD_ERROR(request_line("GET /"), 400, "invalid byte in request target");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\nHost: a\r\n\r\n", 400, "bare LF (CRLF required)");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\rHost: a\r\n\r\n", 400, "bare CR (CRLF required)");
  EXPECT_HEAD_ERROR("GET\n/\nHTTP/1.1\r\n\r\n", 400, "invalid method");
}

TEST(method_is_a_token) {
  for (const char* m : {"GET", "get", "M-SEARCH", "-BLARGH", "!#$%&'*+-.^_`|~09azAZ"}) {
    const Parsed p = PARSE(request_line(std::string(m) + " / HTTP/1.1"));
    CHECK(p.complete());
    CHECK_EQ(p->method, m);
  }
  EXPECT_HEAD_ERROR(request_line("GE:T / HTTP/1.1"), 400, "invalid method");
  EXPECT_HEAD_ERROR(request_line("G\"T / HTTP/1.1"), 400, "invalid method");
  EXPECT_HEAD_ERROR(request_line("GET\0 / HTTP/1.1"sv), 400, "invalid method");
  EXPECT_HEAD_ERROR(request_line("GET\xc3\x9f / HTTP/1.1"), 400, "invalid method");
}

TEST(target_bytes_are_visible_ascii) {
  for (std::string_view bad : {"\x01"sv, "\x7f"sv, "\x80"sv, "\xff"sv, "\0"sv, "\r"sv}) {
    const std::string line = "GET /a" + std::string(bad) + "b HTTP/1.1";
    EXPECT_HEAD_ERROR(request_line(line), 400, "invalid byte in request target");
  }
  // Long targets go through the 8-byte fast path: put the bad byte at every
  // position of a word.
  for (char bad : {'\x7f', '\x80', '\xff', '\x00', '\x1f', '\t'}) {
    for (size_t i = 0; i < 17; ++i) {
      std::string target = "/0123456789abcdefghij";
      target[1 + i] = bad;
      EXPECT_HEAD_ERROR(request_line("GET " + target + " HTTP/1.1"), 400,
                        "invalid byte in request target");
    }
  }
  // Every visible byte is accepted, at every offset of a word.
  std::string all = "/";
  for (int c = 0x21; c <= 0x7E; ++c) all += static_cast<char>(c);
  for (size_t shift = 0; shift < 8; ++shift) {
    const std::string target = "/" + std::string(shift, 'x') + all;
    const Parsed p = PARSE(request_line("GET " + target + " HTTP/1.1"));
    CHECK(p.complete());
    CHECK_EQ(p->target, target);
  }
  const Parsed p = PARSE(request_line("GET /with_\"quotes\"?a=[1]&b={2}#frag HTTP/1.1"));
  CHECK(p.complete());
  CHECK_EQ(p->target, "/with_\"quotes\"?a=[1]&b={2}#frag");
}

TEST(target_forms) {
  CHECK(PARSE(request_line("OPTIONS * HTTP/1.1")).complete());
  EXPECT_HEAD_ERROR(request_line("GET * HTTP/1.1"), 400, "asterisk-form is only valid for OPTIONS");
  CHECK(PARSE(request_line("OPTIONS /x HTTP/1.1")).complete());

  CHECK(PARSE(request_line("CONNECT example.com:443 HTTP/1.1")).complete());
  CHECK(PARSE(request_line("CONNECT [::1]:443 HTTP/1.1")).complete());
  CHECK(PARSE(request_line("CONNECT 10.0.0.1:65535 HTTP/1.1")).complete());
  for (const char* t : {"example.com", "example.com:", "example.com:0", "example.com:65536",
                        "example.com:44x", "/path", "http://example.com:443/", "u@example.com:443",
                        "[::1]", "[zz]:443", ":443", "exa mple"}) {
    if (std::strchr(t, ' ')) continue;
    EXPECT_HEAD_ERROR(request_line("CONNECT " + std::string(t) + " HTTP/1.1"), 400,
                      "CONNECT needs authority-form host:port");
  }

  for (const char* t : {"http://example.com/foo?q=1", "https://example.com", "http://[::1]:8080/foo",
                        "http://user:pass@example.com:8080/foo?q=1", "h2c+x.y://h", "http://h?x",
                        "http://h#f", "HTTP://H/", "http://a%20b/", "http://[v1.x]/"}) {
    const Parsed p = PARSE(request_line("GET " + std::string(t) + " HTTP/1.1"));
    CHECK(p.complete());
    CHECK_EQ(p->target, t);
  }
  for (const char* t : {"foo/bar", "example.com:443", "http:/x", "http:", "1http://h/", "http:///p",
                        "s://]ufd/:", "http://a@b@c/", "http://h:8o/", "http://[::1/", "http://a%2/",
                        "http://h|x/"}) {
    EXPECT_HEAD_ERROR(request_line("GET " + std::string(t) + " HTTP/1.1"), 400,
                      "invalid request target");
  }
}

TEST(versions) {
  const Parsed p10 = PARSE("GET / HTTP/1.0\r\n\r\n");
  CHECK(p10.complete());
  CHECK_EQ(p10->version_minor, 0);
  CHECK(PARSE(request_line("GET / HTTP/1.1")).complete());
  for (const char* v : {"HTTP/2.0", "HTTP/0.9", "HTTP/1.2", "HTTP/3.0", "HTTP/9.9", "HTTP/0.0"})
    EXPECT_HEAD_ERROR(request_line("GET / " + std::string(v)), 505, "HTTP version not supported");
  for (const char* v : {"HTTP/1.10", "HTTP/11", "HTTP/1", "HTTP/1.", "http/1.1", "HTTP/1,1",
                        "FTP/1.1", "HTTP/0.99", "HTTPS/1.1", "HTTP/a.1", "HTTP/1.1x", "HTTP/"})
    EXPECT_HEAD_ERROR(request_line("GET / " + std::string(v)), 400, "invalid HTTP version");
  // The version is checked as soon as the request line is complete.
  const Parsed early = PARSE("GET / HTTP/2.0\r\n"sv);
  CHECK(early.res.status == Status::Error);
  CHECK_EQ(early.res.error.http_status, 505);
}

// --- header fields ---------------------------------------------------------------

TEST(field_names) {
  const Parsed p = PARSE(with_header("X.Custom|Pipe~!#$%&'*+-^_`: ok"));
  CHECK(p.complete());
  CHECK_EQ(p->headers[1].name, "X.Custom|Pipe~!#$%&'*+-^_`");
  EXPECT_HEAD_ERROR(with_header("Content-Length : 3"), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header("Content-Length\t: 3"), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header(": empty"), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header("ba\0z: bar"sv), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header("Content-Length\xc3\x9f: 3"), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header("(x): 1"), 400, "invalid header name");
  EXPECT_HEAD_ERROR(with_header("no-colon"), 400, "invalid header name");
}

TEST(field_values) {
  const Parsed p = PARSE(with_header("Name: \t value \t "));
  CHECK(p.complete());
  CHECK_EQ(p->headers[1].value, "value");
  const Parsed inner = PARSE(with_header("X:a \tb"));
  CHECK_EQ(inner->headers[1].value, "a \tb");
  const Parsed empty = PARSE(with_header("X:   "));
  CHECK(empty.complete());
  CHECK_EQ(empty->headers[1].value, "");
  const Parsed obs = PARSE(with_header("X-Value: caf\xc3\xa9 \x80\xff"));
  CHECK(obs.complete());
  CHECK_EQ(obs->headers[1].value, "caf\xc3\xa9 \x80\xff");
  for (std::string_view bad : {"\0"sv, "\x01"sv, "\x07"sv, "\x1f"sv, "\x7f"sv, "\n"sv, "\x0b"sv}) {
    EXPECT_HEAD_ERROR(with_header("X-Value: plain" + std::string(bad) + "injected"), 400,
                      "invalid header value");
  }
  EXPECT_HEAD_ERROR(with_header("X-Value: plain\rinjected"), 400, "bare CR (CRLF required)");
  // Bad byte at every position of the 8-byte fast path, after a tab too.
  for (char bad : {'\x7f', '\x00', '\x01', '\x1f', '\n'}) {
    for (size_t i = 0; i < 20; ++i) {
      std::string v = "0123456789\tbcdefghijklmn";
      v[i] = bad;
      EXPECT_HEAD_ERROR(with_header("X: " + v), 400, "invalid header value");
    }
  }
  // Allowed-but-rare bytes (HTAB, obs-text) at every position.
  for (char rare : {'\t', '\x80', '\xff', ' '}) {
    for (size_t i = 1; i < 19; ++i) {
      std::string v = "0123456789abcdefghijklmn";
      v[i] = rare;
      const Parsed q = PARSE(with_header("X: " + v));
      CHECK(q.complete());
      CHECK_EQ(q->headers[1].value, v);
    }
  }
}

TEST(obs_fold_rejected) {
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nLong: one\r\n two\r\nHost: a\r\n\r\n", 400,
                    "obsolete line folding");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nLong: one\r\n\ttwo\r\nHost: a\r\n\r\n", 400,
                    "obsolete line folding");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "obsolete line folding");
}

TEST(bare_lf_and_cr_in_head) {
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\n\r\n", 400, "invalid header value");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\n\n", 400, "bare LF (CRLF required)");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\n\rX", 400, "bare CR (CRLF required)");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", 400, "bare CR (CRLF required)");
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\nNewline: a\nContent-Length: 26\r\n\r\n", 400,
                    "invalid header value");
}

// --- limits ------------------------------------------------------------------

TEST(limit_request_line) {
  // "GET /" + padding + " HTTP/1.1" has exactly `n` bytes.
  auto line_of = [](size_t n) { return "GET /" + std::string(n - 14, 'a') + " HTTP/1.1"; };
  CHECK(PARSE(request_line(line_of(100)), Lim().request_line_(100)).complete());
  EXPECT_HEAD_ERROR(request_line(line_of(101)), 414, "request line too long",
                    Lim().request_line_(100));
  CHECK(PARSE(request_line(line_of(4094))).complete());
  EXPECT_HEAD_ERROR(request_line(line_of(4095)), 414, "request line too long");
  CHECK(PARSE(request_line(line_of(9000)), Lim().request_line_(0)).complete());
  // A long method or version is caught too.
  EXPECT_HEAD_ERROR(request_line(std::string(20, 'G') + " / HTTP/1.1"), 414,
                    "request line too long", Lim().request_line_(16));
  EXPECT_HEAD_ERROR(request_line("GET /12345 HTTP/1.1"), 414, "request line too long",
                    Lim().request_line_(16));
  // Early: a prefix past the limit is rejected before any CRLF arrives.
  const Parsed early = PARSE("GET /" + std::string(200, 'a'), Lim().request_line_(100));
  CHECK(early.res.status == Status::Error);
  CHECK_EQ(early.res.error.http_status, 414);
}

TEST(limit_fields) {
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 1; i < 100; ++i) head += "X" + std::to_string(i) + ": v\r\n";
  const Parsed p = PARSE(head + "\r\n");
  CHECK(p.complete());
  CHECK_EQ(p->header_count, 100);
  EXPECT_HEAD_ERROR(head + "One-More: v\r\n\r\n", 431, "too many header fields");
  const std::string three = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n";
  CHECK(PARSE(three, Lim().fields_(3)).complete());
  EXPECT_HEAD_ERROR(three, 431, "too many header fields", Lim().fields_(2));
  // Early: the 3rd field's first byte is enough.
  const Parsed early = PARSE("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB"sv, Lim().fields_(2));
  CHECK_EQ(early.res.error.http_status, 431);
  // fields = 0 means "only the storage bound" (kMaxHeaders).
  std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (size_t i = 1; i < kMaxHeaders; ++i) many += "X: v\r\n";
  CHECK(PARSE(many + "\r\n", Lim().fields_(0).head_(0)).complete());
  EXPECT_HEAD_ERROR(many + "X: v\r\n\r\n", 431, "too many header fields",
                    Lim().fields_(0).head_(0));
  EXPECT_HEAD_ERROR(many + "X: v\r\n\r\n", 431, "too many header fields",
                    Lim().fields_(100000).head_(0));
}

TEST(limit_field_size) {
  // A field line of n bytes including CRLF.
  auto field_of = [](size_t n) { return "X: " + std::string(n - 5, 'v'); };
  CHECK(PARSE(with_header(field_of(8190))).complete());
  EXPECT_HEAD_ERROR(with_header(field_of(8191)), 431, "header field too large");
  CHECK(PARSE(with_header(field_of(13)), Lim().field_size_(13)).complete());
  EXPECT_HEAD_ERROR(with_header(field_of(14)), 431, "header field too large", Lim().field_size_(13));
  EXPECT_HEAD_ERROR(with_header("Accept: */*"), 431, "header field too large", Lim().field_size_(10));
  // A long name counts too.
  EXPECT_HEAD_ERROR(with_header(std::string(20, 'N') + ": v"), 431, "header field too large",
                    Lim().field_size_(16));
  CHECK(PARSE(with_header(field_of(20000)), Lim().field_size_(0)).complete());
  // Early: no CRLF needed.
  const Parsed early = PARSE("GET / HTTP/1.1\r\nX: " + std::string(100, 'v'), Lim().field_size_(50));
  CHECK_EQ(early.res.error.http_status, 431);
}

TEST(limit_head) {
  const std::string base = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
  const size_t fixed = base.size() + 4;  // value CRLF + final CRLF
  CHECK(PARSE(base + std::string(200 - fixed, 'v') + "\r\n\r\n", Lim().head_(200)).complete());
  EXPECT_HEAD_ERROR(base + std::string(201 - fixed, 'v') + "\r\n\r\n", 431, "request head too large",
                    Lim().head_(200));
  // Default 64 KiB; the whole head counts, leading CRLFs included.
  std::string big = "\r\nGET / HTTP/1.1\r\nHost: a\r\n";
  while (big.size() < 65536 - 8000) big += "X: " + std::string(7000, 'v') + "\r\n";
  big += "Y: " + std::string(65536 - big.size() - 7, 'v') + "\r\n\r\n";
  CHECK_EQ(big.size(), 65536u);
  CHECK(PARSE(big).complete());
  EXPECT_HEAD_ERROR("\r\n\r\n" + big.substr(2), 431, "request head too large");
  const Parsed early = PARSE(base + std::string(300, 'v'), Lim().head_(200));
  CHECK_EQ(early.res.error.http_status, 431);
}

TEST(limit_body_content_length) {
  const std::string raw = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n";
  const Parsed ok = PARSE(raw, Lim().body_(100));
  CHECK(ok.complete());
  CHECK(ok->body_kind == BodyKind::Length);
  CHECK_EQ(ok->content_length, 100u);
  EXPECT_HEAD_ERROR(raw, 413, "content too large", Lim().body_(99));
}

// --- Content-Length ----------------------------------------------------------

TEST(content_length_syntax) {
  const Parsed p = PARSE(with_header("Content-Length: 007"));
  CHECK(p.complete());
  CHECK(p->body_kind == BodyKind::Length);
  CHECK_EQ(p->content_length, 7u);
  const Parsed zero = PARSE(with_header("content-length: 0"));
  CHECK(zero->body_kind == BodyKind::Length);
  CHECK_EQ(zero->content_length, 0u);
  const Parsed max = PARSE(with_header("Content-Length: 9007199254740991"));
  CHECK(max.complete());
  CHECK_EQ(max->content_length, kMaxContentLength);
  for (const char* v : {"-1", "+1", "-0", "0_1", "1 2", "5, 5", "5,5", "0x10", "1e3", "bla", "",
                        "9007199254740992", "99999999999999999999999999", "\xd9\xa3"})
    EXPECT_HEAD_ERROR(with_header("Content-Length: " + std::string(v)), 400, "invalid Content-Length");
}

TEST(content_length_duplicates) {
  // Even identical duplicates are refused (one framing field, one value).
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
                    400, "duplicate Content-Length");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 2\r\n\r\n",
                    400, "duplicate Content-Length");
}

// --- Transfer-Encoding -------------------------------------------------------

TEST(transfer_encoding_accepted) {
  for (const char* te : {"chunked", "Chunked", "CHUNKED", "identity, chunked", "identity,chunked",
                         " chunked ", ", chunked", "chunked,", "identity , , chunked"}) {
    const Parsed p = PARSE(with_header("Transfer-Encoding: " + std::string(te)));
    CHECK(p.complete());
    CHECK(p->body_kind == BodyKind::Chunked);
    CHECK(p->keep_alive);
  }
  for (const char* te : {"gzip, chunked", "x-gzip,chunked", "deflate, chunked", "compress, chunked"}) {
    const Parsed p = PARSE(with_header("Transfer-Encoding: " + std::string(te)));
    CHECK(p.complete());
    CHECK(p->body_kind == BodyKind::Chunked);
    CHECK(!p->keep_alive);  // the body stays compressed: close afterwards
  }
  const Parsed lines = PARSE("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
                             "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(lines.complete());
  CHECK(lines->body_kind == BodyKind::Chunked);
}

TEST(transfer_encoding_rejected) {
  auto te = [](const char* v) { return with_header("Transfer-Encoding: " + std::string(v)); };
  EXPECT_HEAD_ERROR(te("chunked, gzip"), 400, "chunked is not the final coding");
  EXPECT_HEAD_ERROR(te("chunked, identity"), 400, "chunked is not the final coding");
  EXPECT_HEAD_ERROR(te("chunked, chunked"), 400, "chunked applied more than once");
  EXPECT_HEAD_ERROR(te("identity, chunked, identity, chunked"), 400, "chunked applied more than once");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n",
                    400, "chunked applied more than once");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "Transfer-Encoding: gzip\r\n\r\n",
                    400, "chunked is not the final coding");
  EXPECT_HEAD_ERROR(te("gzip"), 501, "final transfer coding is not chunked");
  EXPECT_HEAD_ERROR(te("identity"), 501, "final transfer coding is not chunked");
  EXPECT_HEAD_ERROR(te("foo, chunked"), 501, "unsupported transfer coding");
  EXPECT_HEAD_ERROR(te("br"), 501, "unsupported transfer coding");
  EXPECT_HEAD_ERROR(te("chunked;q=1"), 400, "invalid Transfer-Encoding");
  EXPECT_HEAD_ERROR(te("\"chunked\""), 400, "invalid Transfer-Encoding");
  EXPECT_HEAD_ERROR(te(""), 400, "invalid Transfer-Encoding");
  EXPECT_HEAD_ERROR(te(" , "), 400, "invalid Transfer-Encoding");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
                    "Transfer-Encoding: chunked\r\n\r\n",
                    400, "Transfer-Encoding with Content-Length");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Length: 3\r\n\r\n",
                    400, "Transfer-Encoding with Content-Length");
  EXPECT_HEAD_ERROR("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
                    "Content-Length: 3\r\n\r\n",
                    400, "Transfer-Encoding with Content-Length");
  EXPECT_HEAD_ERROR("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                    "Transfer-Encoding in HTTP/1.0 request");
}

// --- Host, Content-Type, Connection, Expect, Upgrade ------------------------------

TEST(host_rules) {
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\n\r\n", 400, "missing Host header");
  CHECK(PARSE("GET / HTTP/1.1\r\n\r\n"sv, Lim().no_host_()).complete());
  CHECK(PARSE("GET / HTTP/1.0\r\n\r\n"sv).complete());
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "duplicate Host header");
  EXPECT_HEAD_ERROR("GET / HTTP/1.0\r\nHost: a\r\nhost: a\r\n\r\n", 400, "duplicate Host header");
  for (const char* h : {"example.com", "example.com:8080", "[::1]:443", "0.0.0.0=5000", "",
                        "xn--bcher-kva.example", "a:"})
    CHECK(PARSE("GET / HTTP/1.1\r\nHost: " + std::string(h) + "\r\n\r\n").complete());
  for (const char* h : {"a b", "a/b", "user@a", "[::1", "a:80x", "a:b:c", "\xc3\xa9"})
    EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: " + std::string(h) + "\r\n\r\n", 400,
                      "invalid Host header");
}

TEST(content_type_singleton) {
  EXPECT_HEAD_ERROR("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n\r\n",
                    400, "duplicate Content-Type header");
}

TEST(keep_alive) {
  CHECK(PARSE(kGet)->keep_alive);
  CHECK(!PARSE(with_header("Connection: close"))->keep_alive);
  CHECK(!PARSE(with_header("Connection: Close"))->keep_alive);
  CHECK(!PARSE(with_header("Connection: keep-alive, CLOSE"))->keep_alive);
  CHECK(PARSE(with_header("Connection: keep-alive"))->keep_alive);
  CHECK(PARSE(with_header("Connection: closed"))->keep_alive);
  CHECK(!PARSE("GET / HTTP/1.0\r\n\r\n"sv)->keep_alive);
  CHECK(PARSE("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"sv)->keep_alive);
  CHECK(PARSE("GET / HTTP/1.0\r\nConnection: te , keep-alive\r\n\r\n"sv)->keep_alive);
  CHECK(!PARSE("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"sv)->keep_alive);
}

TEST(expect_and_upgrade) {
  CHECK(PARSE(with_header("Expect: 100-continue"))->expect_continue);
  CHECK(PARSE(with_header("Expect: 100-Continue"))->expect_continue);
  CHECK(!PARSE("GET / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n"sv)->expect_continue);
  EXPECT_HEAD_ERROR(with_header("Expect: 200-ok"), 417, "unsupported expectation");
  EXPECT_HEAD_ERROR(with_header("Expect:"), 417, "unsupported expectation");
  const Parsed up = PARSE(with_header("Connection: Upgrade\r\nUpgrade: websocket"));
  CHECK(up->upgrade);
  CHECK(up->connection_upgrade);
  const Parsed bare = PARSE(with_header("Upgrade: websocket"));
  CHECK(bare->upgrade);
  CHECK(!bare->connection_upgrade);
  CHECK(!PARSE(kGet)->upgrade);
  CHECK(!PARSE("GET / HTTP/1.0\r\nUpgrade: websocket\r\n\r\n"sv)->upgrade);
}

// --- incremental feeding -------------------------------------------------------

TEST(early_errors_on_partial_input) {
  const std::string_view cases[] = {
      "GET /\x01"sv, "G(T"sv, "GET / HTTP/1.1\r\nHost: a\r\nX: \0"sv, "GET / HTTP/1.1\r\nBad Name"sv,
      "GET / HTTP/1.1\r\nHost: a\r\n folded"sv, "GET / HTTP/2.0\r\n"sv, "GET * HTTP/1.1\r\n"sv,
      "GET / HTTP/1.1\r\nHost: a\rx"sv};
  for (std::string_view raw : cases) {
    const Parsed p = PARSE(raw);
    CHECK(p.res.status == Status::Error);
  }
}

TEST(cursor_resumes_without_rescanning) {
  // The cursor only moves forward and ends on the head's length.
  const std::string raw = "GET /p HTTP/1.1\r\nHost: a\r\nX-Long: " + std::string(5000, 'v') + "\r\n\r\n";
  HeadCursor c;
  Request r;
  size_t last = 0;
  for (size_t k = 0; k <= raw.size(); k += 7) {
    const Result res = parse_head(raw.data(), k, Limits(), r, &c);
    CHECK(res.status == Status::Incomplete);
    CHECK(c.pos >= last);
    CHECK(c.pos <= k);
    last = c.pos;
  }
  const Result done = parse_head(raw.data(), raw.size(), Limits(), r, &c);
  CHECK(done.status == Status::Complete);
  CHECK_EQ(r.head_length, raw.size());
  CHECK_EQ(r.headers[1].value.size(), 5000u);
  // Calling again after Complete repeats the result.
  CHECK(parse_head(raw.data(), raw.size(), Limits(), r, &c).status == Status::Complete);
}

TEST(pipelined_heads) {
  const std::string raw = kGet + "POST /x HTTP/1.1\r\nHost: b\r\nContent-Length: 2\r\n\r\nhi" + kGet;
  const SimOutcome o = simulate(raw, Limits(), {});
  CHECK(o.end == SimEnd::Clean);
  CHECK_EQ(o.requests.size(), 3u);
  if (o.requests.size() == 3) {
    CHECK_EQ(o.requests[1].method, "POST");
    CHECK_EQ(o.requests[1].body, "hi");
  }
  CHECK(simulate_bytewise(raw, Limits()) == o);
  CHECK(simulate_bytewise(raw, Limits(), false) == o);
}

}  // namespace

int main(int argc, char** argv) {
  const char* corpus = nullptr;
  std::string_view filter;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a.substr(0, 9) == "--filter=") filter = a.substr(9);
    else if (a == "--verbose") verbose = true;
    else corpus = argv[i];
  }
  int passed = 0, failed = 0;
  if (corpus && tusk::http::test::run_corpus(corpus, verbose, passed, failed) != 0) return 2;
  return harness::run_all(filter, passed, failed);
}
