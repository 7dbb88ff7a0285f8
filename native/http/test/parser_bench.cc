// native/http/test/parser_bench.cc — micro-benchmark of parse_head().
//
// Owns parser_bench: times parse_head() on a ~400-byte browser-like GET
// (ns per parse, best of several rounds), and the cost of a head arriving one
// byte at a time with and without a HeadCursor (the rescan cost).
#include <chrono>
#include <cstdio>
#include <string>

#include "http/chunked.h"
#include "http/parser.h"

namespace {
using namespace tusk::http;
using Clock = std::chrono::steady_clock;

const std::string kBrowserGet =
    "GET /assets/js/app.bundle.js?v=3.14.1 HTTP/1.1\r\n"
    "Host: www.example.com\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36\r\n"
    "Accept: */*\r\n"
    "Accept-Language: en-US,en;q=0.9\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Connection: keep-alive\r\n"
    "Referer: https://www.example.com/products/index.html\r\n"
    "Cookie: session=4f2a9c1e7b3d; theme=dark; _ga=GA1.2.1234567.890\r\n"
    "Sec-Fetch-Dest: script\r\n"
    "\r\n";

volatile size_t g_sink;

double ns_per_parse(const std::string& raw, int iterations) {
  Request req;
  const Limits limits;
  double best = 1e30;
  for (int round = 0; round < 7; ++round) {
    const auto t0 = Clock::now();
    size_t sum = 0;
    for (int i = 0; i < iterations; ++i) {
      const Result r = parse_head(raw.data(), raw.size(), limits, req);
      sum += r.status == Status::Complete ? req.head_length + req.header_count : 0;
    }
    const auto t1 = Clock::now();
    g_sink = sum;
    const double ns = std::chrono::duration<double, std::nano>(t1 - t0).count() / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

// Total time to parse `raw` delivered one byte at a time.
double bytewise_us(const std::string& raw, bool cursor) {
  Request req;
  Limits limits;
  limits.field_size = 0;
  limits.head = 0;
  HeadCursor c;
  const auto t0 = Clock::now();
  size_t sum = 0;
  for (size_t k = 1; k <= raw.size(); ++k) {
    const Result r = parse_head(raw.data(), k, limits, req, cursor ? &c : nullptr);
    sum += static_cast<size_t>(r.status);
  }
  g_sink = sum;
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  // --parse-only: just the ns/parse figure (for profilers).
  const bool parse_only = argc > 1 && std::string(argv[1]) == "--parse-only";
  Request check;
  const Result r = parse_head(kBrowserGet.data(), kBrowserGet.size(), Limits(), check);
  if (r.status != Status::Complete) {
    std::printf("bench request does not parse: %s\n", r.error.reason);
    return 1;
  }
  const double ns = ns_per_parse(kBrowserGet, 200000);
  std::printf("parse_head: %.1f ns/parse (%zu-byte GET, %u headers, %.2f GB/s)\n", ns,
              kBrowserGet.size(), check.header_count, kBrowserGet.size() / ns);

  if (parse_only) return 0;
  std::string big = "GET / HTTP/1.1\r\nHost: a\r\n";
  while (big.size() < 32768) big += "X-Filler: " + std::string(90, 'v') + "\r\n";
  big += "\r\n";
  std::printf("byte-by-byte %zu-byte head: %.0f us with HeadCursor, %.0f us without\n",
              kBrowserGet.size(), bytewise_us(kBrowserGet, true), bytewise_us(kBrowserGet, false));
  std::printf("byte-by-byte %zu-byte head: %.0f us with HeadCursor, %.0f us without\n", big.size(),
              bytewise_us(big, true), bytewise_us(big, false));
  return 0;
}
