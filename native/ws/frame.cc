// native/ws/frame.cc — the frame Reader and encoder (frame.h).
#include "ws/frame.h"

#include <cstring>

#include "ws/deflate.h"

namespace tusk::ws {

bool close_code_allowed(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

Event Reader::Fail(uint16_t code) {
  error_ = code;
  message_.clear();
  Event e;
  e.kind = Event::Error;
  e.code = code;
  return e;
}

namespace {

void unmask(char* p, uint64_t n, const uint8_t key[4]) {
  uint32_t k32;
  std::memcpy(&k32, key, 4);
  uint64_t k64 = (uint64_t(k32) << 32) | k32;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k64;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] = char(uint8_t(p[i]) ^ key[i & 3]);
}

}  // namespace

Event Reader::Next(char* data, size_t len, size_t* used) {
  *used = 0;
  if (error_) return Fail(error_);
  if (len < 2) return {};
  const uint8_t* b = reinterpret_cast<const uint8_t*>(data);
  bool fin = b[0] & 0x80, rsv1 = b[0] & 0x40;
  uint8_t opcode = b[0] & 0x0F;
  bool masked = b[1] & 0x80;
  uint64_t length = b[1] & 0x7F;
  size_t head = 2;
  // Rules that need no more than the first two bytes fail fast.
  if (b[0] & 0x30) return Fail(kProtocolError);
  bool control = opcode & 0x08;
  if (control ? opcode > 10 : opcode > 2) return Fail(kProtocolError);
  if (!masked) return Fail(kProtocolError);
  if (control && (!fin || length > 125 || rsv1)) return Fail(kProtocolError);
  if (opcode == 0 && (!open_ || rsv1)) return Fail(kProtocolError);
  if ((opcode == 1 || opcode == 2) && open_) return Fail(kProtocolError);
  if (rsv1 && !deflate_) return Fail(kProtocolError);
  if (length == 126) {
    if (len < 4) return {};
    length = (uint64_t(b[2]) << 8) | b[3];
    head = 4;
  } else if (length == 127) {
    if (len < 10) return {};
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | b[i];
    if (length >> 63) return Fail(kProtocolError);
    head = 10;
  }
  bool compressed = opcode == 0 ? open_compressed_ : rsv1;
  uint64_t so_far = opcode == 0 ? message_.size() : 0;
  // Compressed fragments are capped at max_payload too, before inflating.
  if (length > max_payload_ || so_far + length > max_payload_) return Fail(kTooBig);
  uint8_t key[4];
  if (len < head + 4) return {};
  std::memcpy(key, b + head, 4);
  head += 4;
  if (len - head < length) return {};
  char* payload = data + head;
  unmask(payload, length, key);
  *used = head + size_t(length);
  std::string_view body(payload, size_t(length));

  Event e;
  if (control) {
    if (opcode == 8) {
      e.kind = Event::Close;
      e.code = kNoStatus;
      if (length == 1) return Fail(kProtocolError);
      if (length >= 2) {
        e.code = uint16_t((uint8_t(payload[0]) << 8) | uint8_t(payload[1]));
        if (!close_code_allowed(e.code)) return Fail(kProtocolError);
        e.data = body.substr(2);
        if (!valid_utf8(reinterpret_cast<const uint8_t*>(e.data.data()), e.data.size())) return Fail(kInvalidData);
      }
    } else {
      e.kind = opcode == 9 ? Event::Ping : Event::Pong;
      e.data = body;
    }
    return e;
  }

  uint8_t type = opcode == 0 ? open_ : opcode;
  if (type == 1 && !compressed) {
    if (opcode != 0) utf8_.Reset();
    if (!utf8_.Feed(reinterpret_cast<const uint8_t*>(payload), size_t(length))) return Fail(kInvalidData);
    if (fin && !utf8_.complete()) return Fail(kInvalidData);
  }
  if (!fin) {
    if (opcode != 0) {
      open_ = opcode;
      open_compressed_ = compressed;
      message_.clear();
    }
    message_.append(body);
    return {};
  }
  std::string_view whole = body;
  if (opcode == 0) {
    message_.append(body);
    whole = message_;
    open_ = 0;
  }
  if (compressed) {
    inflated_.clear();
    uint16_t rc = deflate_->Inflate(whole, max_payload_, &inflated_);
    if (rc) return Fail(rc);
    whole = inflated_;
    if (type == 1 && !valid_utf8(reinterpret_cast<const uint8_t*>(whole.data()), whole.size())) return Fail(kInvalidData);
  }
  e.kind = Event::Message;
  e.binary = type == 2;
  e.data = whole;
  return e;
}

void encode_frame(std::string* out, Opcode op, std::string_view payload, bool fin, bool rsv1) {
  char head[10];
  size_t n = 2;
  head[0] = char((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | uint8_t(op));
  uint64_t len = payload.size();
  if (len < 126) {
    head[1] = char(len);
  } else if (len <= 0xFFFF) {
    head[1] = 126;
    head[2] = char(len >> 8);
    head[3] = char(len);
    n = 4;
  } else {
    head[1] = 127;
    for (int i = 0; i < 8; ++i) head[2 + i] = char(len >> (56 - 8 * i));
    n = 10;
  }
  out->append(head, n);
  out->append(payload);
}

void encode_close(std::string* out, uint16_t code, std::string_view reason) {
  if (reason.size() > 123) {
    size_t cut = 123;
    while (cut > 0 && (uint8_t(reason[cut]) & 0xC0) == 0x80) --cut;  // not inside a code point
    reason = reason.substr(0, cut);
  }
  char payload[125];
  payload[0] = char(code >> 8);
  payload[1] = char(code);
  std::memcpy(payload + 2, reason.data(), reason.size());
  encode_frame(out, Opcode::Close, std::string_view(payload, 2 + reason.size()));
}

}  // namespace tusk::ws
