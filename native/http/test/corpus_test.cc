// native/http/test/corpus_test.cc — runs Gunicorn's request corpus through tusk.
//
// Owns run_corpus(): reads the line format made by corpus-to-lines.mjs, feeds
// every case through the connection simulator (sim.h) whole, split in two at
// every byte boundary and byte by byte (all must agree), and compares with
// what Gunicorn reported. Every place where tusk deliberately differs is in
// kDifferences below, with the reason; an entry that no longer differs fails.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "http/test/test_util.h"

namespace tusk::http::test {
namespace {

// --- expected differences from Gunicorn ---------------------------------------

enum DiffKind : unsigned {
  // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400. Gunicorn does not
  // check. The case is also run with Limits::require_host = false, and that
  // run must match Gunicorn (unless another kind below says otherwise).
  kHostRequired = 1u << 0,
  // tusk rejects what Gunicorn accepts (valid case); `tusk_reason` is the
  // error tusk must give.
  kTuskRejects = 1u << 1,
  // tusk accepts what Gunicorn rejects (invalid case).
  kTuskAccepts = 1u << 2,
  // Gunicorn drops header names with '_' by policy (header_map=drop, so they
  // cannot collide with '-' in WSGI environ keys). '_' is a tchar; tusk hands
  // headers to JS by their real names and keeps them. Compared with those
  // headers removed.
  kKeepsUnderscoreHeaders = 1u << 3,
  // Gunicorn's casefold_http_method upper-cases the method. Methods are
  // case-sensitive (RFC 9110 §9.1); tusk reports them as sent. Compared with
  // tusk's method upper-cased.
  kNoMethodCasefold = 1u << 4,
  // The raw bytes end before the declared Content-Length. Gunicorn's app
  // reads what arrived until EOF; for tusk the connection ends Truncated.
  // Compared: the partial request, and the end must be Truncated.
  kTruncatedBody = 1u << 5,
};

struct Difference {
  const char* name;
  unsigned kinds;
  const char* tusk_reason;  // kTuskRejects: the error reason tusk gives
  const char* why;
};

constexpr const char* kNoHost = "HTTP/1.1 request without Host (RFC 9112 §3.2 requires 400)";

// clang-format off
const Difference kDifferences[] = {
  // --- HTTP/1.1 without Host: Gunicorn accepts, tusk answers 400 -------------
  {"valid/004", kHostRequired, nullptr, kNoHost},
  {"valid/005", kHostRequired, nullptr, kNoHost},
  {"valid/006", kHostRequired, nullptr, kNoHost},
  {"valid/007", kHostRequired, nullptr, kNoHost},
  {"valid/010", kHostRequired, nullptr, kNoHost},
  {"valid/011", kHostRequired, nullptr, kNoHost},
  {"valid/012", kHostRequired, nullptr, kNoHost},
  {"valid/013", kHostRequired, nullptr, kNoHost},
  {"valid/014", kHostRequired, nullptr, kNoHost},
  {"valid/018", kHostRequired, nullptr, kNoHost},
  {"valid/021", kHostRequired, nullptr, kNoHost},
  {"valid/022", kHostRequired, nullptr,
   "the second, pipelined request is HTTP/1.1 without Host (RFC 9112 §3.2 requires 400)"},
  {"valid/023", kHostRequired, nullptr, kNoHost},
  {"valid/025", kHostRequired, nullptr, kNoHost},
  {"valid/025_line", kHostRequired, nullptr, kNoHost},
  {"valid/029", kHostRequired, nullptr, kNoHost},
  {"valid/030", kHostRequired, nullptr, kNoHost},
  {"valid/031", kHostRequired, nullptr, kNoHost},
  {"valid/031compat2", kHostRequired, nullptr,
   "HTTP/1.1 without Host; otherwise equal: tusk accepts any token method, "
   "Gunicorn needs permit_unconventional_http_method for lower case"},
  {"valid/100", kHostRequired, nullptr, kNoHost},

  // --- tusk rejects what Gunicorn accepts ------------------------------------
  {"valid/009", kHostRequired | kTuskRejects, "Transfer-Encoding with Content-Length",
   "Transfer-Encoding: identity plus Content-Length: tusk refuses any TE+CL "
   "pair (RFC 9112 §6.1 allows it; request-smuggling guard); Gunicorn only "
   "refuses chunked+CL"},
  {"valid/027", kTuskRejects, "invalid byte in request target",
   "raw UTF-8 bytes (>= 0x80) in the request-target are not URI characters "
   "(RFC 3986); tusk accepts only 0x21-0x7E there"},
  {"valid/028", kTuskRejects, "invalid header name",
   "needs Gunicorn's strip_header_spaces; RFC 9112 §5.1 requires 400 for "
   "whitespace between field name and colon"},
  {"valid/compat_obs_fold", kTuskRejects, "obsolete line folding",
   "needs Gunicorn's permit_obsolete_folding; tusk always rejects obs-fold "
   "(RFC 9112 §5.2 allows that)"},
  {"valid/compat_obs_fold_huge", kTuskRejects, "obsolete line folding",
   "needs Gunicorn's permit_obsolete_folding (see above)"},
  {"valid/pp_01", kTuskRejects, "invalid HTTP version",
   "needs Gunicorn's proxy_protocol: the PROXY v1 line is not HTTP; PROXY "
   "protocol, if ever supported, belongs in the connection engine"},
  {"valid/pp_02", kTuskRejects, "invalid HTTP version",
   "needs Gunicorn's proxy_protocol (PROXY v1 line)"},
  {"valid/pp_04", kTuskRejects, "invalid method",
   "needs Gunicorn's proxy_protocol (binary PROXY v2 header)"},
  {"valid/pp_05", kTuskRejects, "invalid method",
   "needs Gunicorn's proxy_protocol (binary PROXY v2 header)"},

  // --- output differs from Gunicorn's policy ---------------------------------
  {"valid/040", kKeepsUnderscoreHeaders, nullptr,
   "Gunicorn drops Transfer_Encoding / Content_Length by its header_map "
   "policy; tusk keeps them (valid/040_compat shows the same headers)"},
  {"valid/031compat", kHostRequired | kNoMethodCasefold, nullptr,
   "HTTP/1.1 without Host, and Gunicorn's casefold_http_method upper-cases "
   "the method; tusk keeps \"-blargh\""},

  {"valid/099", kTruncatedBody, nullptr,
   "Content-Length: 17914 but only 8599 body bytes follow: a client that "
   "closes mid-body; Gunicorn lists what arrived as the body"},

  // --- tusk accepts what Gunicorn rejects ------------------------------------
  {"invalid/003c", kHostRequired | kTuskAccepts, nullptr,
   "\"-bl\" is a valid token method (RFC 9110 §9.1); Gunicorn refuses lower "
   "case and methods shorter than 3 by policy. Rejected anyway for lacking Host"},
  {"invalid/019", kHostRequired | kTuskAccepts, nullptr,
   "Gunicorn's forwarded_allow_ips=* makes X-Forwarded-Proto / -Ssl "
   "disagreement an error; proxy headers are not the parser's business. "
   "Rejected anyway for lacking Host"},
  {"invalid/040", kTuskAccepts, nullptr,
   "needs Gunicorn's header_map=refuse ('_' in a header name); '_' is a tchar"},
  {"invalid/chunked_07", kHostRequired | kTuskAccepts, nullptr,
   "needs Gunicorn's header_map=refuse: Transfer_Encoding is a different "
   "field from Transfer-Encoding. Rejected anyway for lacking Host"},
};
// clang-format on

const Difference* find_difference(const std::string& name) {
  for (const Difference& d : kDifferences)
    if (name == d.name) return &d;
  return nullptr;
}

// --- corpus file -----------------------------------------------------------------

struct Case {
  std::string name, kind, raw, gunicorn_error;
  std::map<std::string, std::string> settings;
  std::vector<SimRequest> expected;
};

std::string unhex(const std::string& h) {
  if (h == "-") return {};
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

bool read_corpus(const char* path, std::vector<Case>& cases) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string tag;
    ls >> tag;
    if (tag == "CASE") {
      cases.emplace_back();
      ls >> cases.back().name >> cases.back().kind;
      continue;
    }
    if (cases.empty()) return false;
    Case& c = cases.back();
    std::string a, b, c3, d, e;
    if (tag == "RAW") {
      ls >> a;
      c.raw = unhex(a);
    } else if (tag == "SET") {
      ls >> a >> b;
      c.settings[a] = b;
    } else if (tag == "ERR") {
      ls >> c.gunicorn_error;
    } else if (tag == "REQ") {
      ls >> a >> b >> c3 >> d >> e;
      SimRequest r;
      r.method = unhex(a);
      r.target = unhex(b);
      r.minor = c3 == "1" ? std::stoi(d) : -1;
      r.body = unhex(e);
      c.expected.push_back(r);
    } else if (tag == "HDR" || tag == "TRL") {
      ls >> a >> b;
      if (c.expected.empty()) return false;
      Fields& f = tag == "HDR" ? c.expected.back().headers : c.expected.back().trailers;
      f.emplace_back(unhex(a), unhex(b));
    } else if (tag != "END") {
      return false;
    }
  }
  return true;
}

// Gunicorn settings -> Limits, normalised the way Gunicorn normalises them
// (gunicorn/http/message.py). Settings without a tusk counterpart are ignored
// here; the cases that depend on them are in kDifferences.
Limits limits_for(const Case& c) {
  Limits l;
  auto it = c.settings.find("limit_request_line");
  if (it != c.settings.end()) {
    const long v = std::stol(it->second);
    l.request_line = v < 0 ? 8190 : v == 0 ? 0 : static_cast<uint32_t>(std::min(v, 8190L));
  }
  it = c.settings.find("limit_request_fields");
  if (it != c.settings.end()) {
    const long v = std::stol(it->second);
    l.fields = (v <= 0 || v > 32768) ? 32768 : static_cast<uint32_t>(v);
  }
  it = c.settings.find("limit_request_field_size");
  if (it != c.settings.end()) {
    const long v = std::stol(it->second);
    l.field_size = v <= 0 ? 8190 : static_cast<uint32_t>(v);
  }
  return l;
}

// --- comparison ------------------------------------------------------------------

std::string upper(std::string s) {
  for (char& ch : s)
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
  return s;
}

// What tusk reports, in Gunicorn's shape (upper-case names, no keep_alive).
std::vector<SimRequest> as_gunicorn(const SimOutcome& o, unsigned kinds) {
  std::vector<SimRequest> out;
  for (SimRequest r : o.requests) {
    r.keep_alive = false;
    if (kinds & kNoMethodCasefold) r.method = upper(r.method);
    Fields headers;
    for (auto& h : r.headers) {
      if ((kinds & kKeepsUnderscoreHeaders) && h.first.find('_') != std::string::npos) continue;
      headers.emplace_back(upper(h.first), h.second);
    }
    r.headers = headers;
    for (auto& t : r.trailers) t.first = upper(t.first);
    out.push_back(r);
  }
  return out;
}

std::string text(const std::vector<SimRequest>& rs) {
  std::string s;
  for (const SimRequest& r : rs) {
    s += "  " + harness::show(r.method) + " " + harness::show(r.target) + " 1." +
         std::to_string(r.minor) + " body=" + harness::show(r.body) + "\n";
    for (const auto& h : r.headers) s += "    " + harness::show(h.first) + ": " + harness::show(h.second) + "\n";
    for (const auto& h : r.trailers) s += "    T " + harness::show(h.first) + ": " + harness::show(h.second) + "\n";
  }
  return s;
}

std::string text(const SimOutcome& o) {
  static const char* ends[] = {"clean", "truncated", "head error", "body error"};
  std::string s = std::string(ends[static_cast<int>(o.end)]);
  if (o.status) s += " " + std::to_string(o.status) + " " + o.reason;
  return s + ", " + std::to_string(o.requests.size()) + " request(s)\n" + text(o.requests);
}

bool rejected(const SimOutcome& o, const Case& c) {
  if (o.end == SimEnd::HeadError || o.end == SimEnd::BodyError) return true;
  // Gunicorn's "the input ended too early" errors: tusk is still waiting.
  return o.end == SimEnd::Truncated &&
         (c.gunicorn_error == "NoMoreData" || c.gunicorn_error == "ChunkMissingTerminator");
}

// Whole, every two-piece split and byte by byte must all give one outcome.
bool split_invariant(const Case& c, const Limits& lim, SimOutcome& whole, std::string& why) {
  whole = simulate(c.raw, lim, {});
  for (size_t k = 1; k < c.raw.size(); ++k) {
    const SimOutcome o = simulate(c.raw, lim, {k});
    if (!(o == whole)) {
      why = "split at " + std::to_string(k) + " gave\n" + text(o) + "whole gave\n" + text(whole);
      return false;
    }
  }
  for (bool cursor : {true, false}) {
    if (!cursor && c.raw.size() > 4096) continue;  // O(n^2) without a cursor
    const SimOutcome o = simulate_bytewise(c.raw, lim, cursor);
    if (!(o == whole)) {
      why = std::string("byte-by-byte (cursor=") + (cursor ? "yes" : "no") + ") gave\n" + text(o) +
            "whole gave\n" + text(whole);
      return false;
    }
  }
  return true;
}

bool g_verbose = false;

// Checks one case; returns "" on success, else a description.
std::string check_case(const Case& c) {
  const Difference* diff = find_difference(c.name);
  const unsigned kinds = diff ? diff->kinds : 0;
  const Limits strict_limits = limits_for(c);
  Limits relaxed_limits = strict_limits;
  relaxed_limits.require_host = false;

  SimOutcome strict, relaxed;
  std::string why;
  if (!split_invariant(c, strict_limits, strict, why)) return "strict: " + why;
  if (!split_invariant(c, relaxed_limits, relaxed, why)) return "relaxed: " + why;

  // Host: strict must equal relaxed, unless listed - then strict must fail on
  // Host. An invalid case that lacks Host is rejected either way; only the
  // relaxed run says whether it is rejected for Gunicorn's reason too.
  const bool host_masks = c.kind == "invalid" && strict.reason == "missing Host header";
  if (kinds & kHostRequired) {
    if (strict == relaxed) return "listed as kHostRequired but Host makes no difference";
    if (strict.end != SimEnd::HeadError || strict.reason != "missing Host header")
      return "expected a missing-Host error, got\n" + text(strict);
  } else if (!(strict == relaxed) && !host_masks) {
    return "differs with require_host=false but is not listed as kHostRequired:\n" + text(strict);
  }

  if (g_verbose) {
    auto brief = [](const SimOutcome& x) {
      const std::string t = text(x);
      return t.substr(0, t.find('\n'));
    };
    std::printf("case %-50s %-7s gunicorn=%s\n    tusk: %s\n", c.name.c_str(), c.kind.c_str(),
                c.kind == "valid" ? (std::to_string(c.expected.size()) + " request(s)").c_str()
                                  : c.gunicorn_error.c_str(),
                brief(strict).c_str());
    if (!(strict == relaxed)) std::printf("    tusk without Host check: %s\n", brief(relaxed).c_str());
  }

  const SimOutcome& o = relaxed;
  if (kinds & kTuskRejects) {
    if (c.kind != "valid") return "kTuskRejects on an invalid case";
    if (o.end != SimEnd::HeadError && o.end != SimEnd::BodyError)
      return "listed as kTuskRejects but tusk accepts:\n" + text(o);
    if (o.reason != diff->tusk_reason) return "tusk rejects with another reason:\n" + text(o);
    return "";
  }
  if (kinds & kTuskAccepts) {
    if (c.kind != "invalid") return "kTuskAccepts on a valid case";
    if (o.end != SimEnd::Clean || o.requests.empty())
      return "listed as kTuskAccepts but tusk does not accept:\n" + text(o);
    return "";
  }
  if (c.kind == "invalid") {
    return rejected(o, c) ? "" : "Gunicorn rejects (" + c.gunicorn_error + "), tusk gives\n" + text(o);
  }
  const SimEnd want = (kinds & kTruncatedBody) ? SimEnd::Truncated : SimEnd::Clean;
  if (o.end != want) return "Gunicorn accepts, tusk gives\n" + text(o);
  const std::vector<SimRequest> got = as_gunicorn(o, kinds);
  if (text(got) != text(c.expected))
    return "requests differ; tusk:\n" + text(got) + "Gunicorn:\n" + text(c.expected);
  return "";
}

}  // namespace

int run_corpus(const char* path, bool verbose, int& passed, int& failed) {
  g_verbose = verbose;
  std::vector<Case> cases;
  if (!read_corpus(path, cases) || cases.empty()) {
    std::printf("cannot read corpus %s\n", path);
    return 1;
  }
  int valid_ok = 0, valid_n = 0, invalid_ok = 0, invalid_n = 0;
  for (const Case& c : cases) {
    const std::string problem = check_case(c);
    const bool ok = problem.empty();
    (c.kind == "valid" ? valid_n : invalid_n) += 1;
    if (ok) {
      ++passed;
      (c.kind == "valid" ? valid_ok : invalid_ok) += 1;
    } else {
      ++failed;
      std::printf("FAIL corpus %s: %s\n", c.name.c_str(), problem.c_str());
    }
  }
  for (const Difference& d : kDifferences) {
    const bool present = std::any_of(cases.begin(), cases.end(),
                                     [&](const Case& c) { return c.name == d.name; });
    if (!present) {
      ++failed;
      std::printf("FAIL corpus: kDifferences names unknown case %s\n", d.name);
    }
  }
  std::printf("corpus: %d/%d valid and %d/%d invalid cases as expected (%zu listed differences)\n",
              valid_ok, valid_n, invalid_ok, invalid_n, std::size(kDifferences));
  return 0;
}

}  // namespace tusk::http::test
