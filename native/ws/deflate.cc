// native/ws/deflate.cc — permessage-deflate negotiation and streams (deflate.h).
#include "ws/deflate.h"

#include <cstring>

namespace tusk::ws {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// "8".."15" (optionally quoted) -> 8..15, else -1.
int window_bits(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.empty() || v.size() > 2) return -1;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  if (v.size() == 2 && v[0] == '0') return -1;
  return n >= 8 && n <= 15 ? n : -1;
}

// One offer: "permessage-deflate; p1; p2=v". false to decline it.
bool accept_offer(std::string_view offer, DeflateParams* p, std::string* response) {
  size_t semi = offer.find(';');
  if (!iequals(trim(offer.substr(0, semi)), "permessage-deflate")) return false;
  DeflateParams params;
  bool seen[4] = {false, false, false, false};
  bool client_bits_valued = false;
  while (semi != std::string_view::npos) {
    offer.remove_prefix(semi + 1);
    semi = offer.find(';');
    std::string_view param = offer.substr(0, semi);
    size_t eq = param.find('=');
    std::string_view name = trim(param.substr(0, eq));
    bool has_value = eq != std::string_view::npos;
    std::string_view value = has_value ? param.substr(eq + 1) : std::string_view();
    int which;
    if (iequals(name, "server_no_context_takeover")) which = 0;
    else if (iequals(name, "client_no_context_takeover")) which = 1;
    else if (iequals(name, "server_max_window_bits")) which = 2;
    else if (iequals(name, "client_max_window_bits")) which = 3;
    else return false;
    if (seen[which]) return false;
    seen[which] = true;
    switch (which) {
      case 0: if (has_value) return false; params.server_no_context_takeover = true; break;
      case 1: if (has_value) return false; params.client_no_context_takeover = true; break;
      case 2: {
        int bits = has_value ? window_bits(value) : -1;
        if (bits < 9) return false;
        params.server_max_window_bits = bits;
        break;
      }
      default: {
        if (has_value) {
          int bits = window_bits(value);
          if (bits < 0) return false;
          params.client_max_window_bits = bits;
          client_bits_valued = true;
        }
        break;
      }
    }
  }
  *p = params;
  *response = "permessage-deflate";
  if (params.server_no_context_takeover) *response += "; server_no_context_takeover";
  if (params.client_no_context_takeover) *response += "; client_no_context_takeover";
  if (seen[2]) *response += "; server_max_window_bits=" + std::to_string(params.server_max_window_bits);
  if (client_bits_valued) *response += "; client_max_window_bits=" + std::to_string(params.client_max_window_bits);
  return true;
}

const unsigned char kTail[4] = {0x00, 0x00, 0xff, 0xff};

}  // namespace

bool negotiate_deflate(std::string_view offers, DeflateParams* params, std::string* response) {
  // Offers are comma-separated; parameter values here never contain commas.
  while (!offers.empty()) {
    size_t comma = offers.find(',');
    if (accept_offer(offers.substr(0, comma), params, response)) return true;
    if (comma == std::string_view::npos) break;
    offers.remove_prefix(comma + 1);
  }
  return false;
}

Deflate::Deflate(const DeflateParams& params) : params_(params) {
  in_ready_ = inflateInit2(&in_, -15) == Z_OK;
  out_ready_ = deflateInit2(&out_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -params.server_max_window_bits, 8,
                            Z_DEFAULT_STRATEGY) == Z_OK;
  ok_ = in_ready_ && out_ready_;
}

Deflate::~Deflate() {
  if (in_ready_) inflateEnd(&in_);
  if (out_ready_) deflateEnd(&out_);
}

uint16_t Deflate::Inflate(std::string_view in, uint64_t max, std::string* out) {
  if (!in_ready_) return 1011;
  size_t start = out->size();
  unsigned char buf[16384];
  // The message, then the tail the sender stripped (RFC 7692 §7.2.2).
  for (int part = 0; part < 2; ++part) {
    in_.next_in = part == 0 ? reinterpret_cast<Bytef*>(const_cast<char*>(in.data()))
                            : const_cast<Bytef*>(kTail);
    in_.avail_in = part == 0 ? uInt(in.size()) : 4;
    do {
      in_.next_out = buf;
      in_.avail_out = sizeof buf;
      int rc = inflate(&in_, Z_SYNC_FLUSH);
      if (rc != Z_OK && rc != Z_BUF_ERROR && rc != Z_STREAM_END) {
        inflateReset(&in_);
        return 1007;
      }
      size_t got = sizeof buf - in_.avail_out;
      if (out->size() - start + got > max) {
        inflateReset(&in_);
        return 1009;
      }
      out->append(reinterpret_cast<char*>(buf), got);
      if (rc == Z_STREAM_END) {
        // A final block: the sender ended its stream; what follows starts a new one.
        inflateReset(&in_);
        if (in_.avail_in == 0) break;
      } else if (got == 0 && in_.avail_in == 0) {
        break;
      }
    } while (in_.avail_in > 0 || in_.avail_out == 0);
  }
  if (params_.client_no_context_takeover) inflateReset(&in_);
  return 0;
}

bool Deflate::Compress(std::string_view in, std::string* out) {
  if (!out_ready_) return false;
  size_t start = out->size();
  out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  out_.avail_in = uInt(in.size());
  unsigned char buf[16384];
  do {
    out_.next_out = buf;
    out_.avail_out = sizeof buf;
    int rc = deflate(&out_, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
    out->append(reinterpret_cast<char*>(buf), sizeof buf - out_.avail_out);
  } while (out_.avail_out == 0);
  // Z_SYNC_FLUSH ends with an empty stored block, 00 00 ff ff: the receiver adds it back.
  if (out->size() - start >= 4 && std::memcmp(out->data() + out->size() - 4, kTail, 4) == 0) out->resize(out->size() - 4);
  if (params_.server_no_context_takeover) deflateReset(&out_);
  return true;
}

}  // namespace tusk::ws
