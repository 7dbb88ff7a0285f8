// native/http/chunked.cc — tusk's incremental chunked-body decoder.
//
// Owns ChunkedDecoder (see chunked.h): one state per grammar position of a
// chunk-size line, then the data / CRLF states, then the trailer section,
// which is handed to detail::parse_field_section() (the header-section
// scanner of parser.cc) and kept zero-copy until it is complete.
#include "http/chunked.h"

namespace tusk::http {
namespace {

enum State : uint8_t {
  kSizeStart,      // first HEXDIG of a chunk-size
  kSize,           // more HEXDIG, or what follows the size
  kSizeBWS,        // whitespace after the size: only ';' may follow
  kExtSemi,        // after ';' (BWS, then an extension name)
  kExtName,        // in chunk-ext-name
  kExtNameBWS,     // whitespace after a name: '=' or ';' must follow
  kExtEq,          // after '=' (BWS, then token or quoted-string)
  kExtToken,       // in a token value
  kExtQuoted,      // in a quoted-string
  kExtQuotedPair,  // after '\' in a quoted-string
  kExtAfterQuote,  // after the closing DQUOTE
  kExtValBWS,      // whitespace after a value: ';' must follow
  kLineLF,         // after the size line's CR
  kData,           // chunk-data
  kDataCR,         // CR after chunk-data
  kDataLF,         // LF after chunk-data
  kTrailers,       // trailer-section CRLF
  kDone,
  kError,
};

constexpr Error kErrSize{400, "invalid chunk size"};
constexpr Error kErrSizeTooLarge{400, "chunk size too large"};
constexpr Error kErrExtension{400, "invalid chunk extension"};
constexpr Error kErrLineTooLong{400, "chunk size line too long"};
constexpr Error kErrLineBareCR{400, "bare CR in chunk size line"};
constexpr Error kErrDataCRLF{400, "missing CRLF after chunk data"};
constexpr Error kErrBodyTooLarge{413, "content too large"};
constexpr Error kErrForbiddenTrailer{400, "forbidden trailer field"};

inline bool is_ows(char c) { return c == ' ' || c == '\t'; }
inline bool is_tchar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9'))
    return true;
  switch (u) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '.': case '^': case '_': case '`': case '|':
    case '~':
      return true;
    default:
      return false;
  }
}
inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
inline bool is_qdtext(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u == '\t' || u == ' ' || u == 0x21 || (u >= 0x23 && u <= 0x5B) ||
         (u >= 0x5D && u <= 0x7E) || u >= 0x80;
}
// quoted-pair second byte: HTAB / SP / VCHAR / obs-text
inline bool is_quoted_pair_byte(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return u == '\t' || u == ' ' || (u >= 0x21 && u <= 0x7E) || u >= 0x80;
}

bool is_forbidden_trailer(std::string_view name) {
  using detail::equals_lower;
  return equals_lower(name, "host") || equals_lower(name, "content-length") ||
         equals_lower(name, "transfer-encoding") || equals_lower(name, "trailer") ||
         equals_lower(name, "te") || equals_lower(name, "authorization");
}

// Next state of the size-line machine for byte b, or kError. kLineLF means
// "b was the CR ending the line".
State size_line_step(State s, char b) {
  switch (s) {
    case kSize:
      if (b == ';') return kExtSemi;
      if (is_ows(b)) return kSizeBWS;
      return b == '\r' ? kLineLF : kError;
    case kSizeBWS:
      if (is_ows(b)) return kSizeBWS;
      return b == ';' ? kExtSemi : kError;
    case kExtSemi:
      if (is_ows(b)) return kExtSemi;
      return is_tchar(b) ? kExtName : kError;
    case kExtName:
      if (is_tchar(b)) return kExtName;
      if (is_ows(b)) return kExtNameBWS;
      if (b == '=') return kExtEq;
      if (b == ';') return kExtSemi;
      return b == '\r' ? kLineLF : kError;
    case kExtNameBWS:
      if (is_ows(b)) return kExtNameBWS;
      if (b == '=') return kExtEq;
      return b == ';' ? kExtSemi : kError;
    case kExtEq:
      if (is_ows(b)) return kExtEq;
      if (b == '"') return kExtQuoted;
      return is_tchar(b) ? kExtToken : kError;
    case kExtToken:
      if (is_tchar(b)) return kExtToken;
      if (is_ows(b)) return kExtValBWS;
      if (b == ';') return kExtSemi;
      return b == '\r' ? kLineLF : kError;
    case kExtQuoted:
      if (b == '"') return kExtAfterQuote;
      if (b == '\\') return kExtQuotedPair;
      return is_qdtext(b) ? kExtQuoted : kError;
    case kExtQuotedPair:
      return is_quoted_pair_byte(b) ? kExtQuoted : kError;
    case kExtAfterQuote:
      if (is_ows(b)) return kExtValBWS;
      if (b == ';') return kExtSemi;
      return b == '\r' ? kLineLF : kError;
    case kExtValBWS:
      if (is_ows(b)) return kExtValBWS;
      return b == ';' ? kExtSemi : kError;
    default:
      return kError;
  }
}

}  // namespace

void ChunkedDecoder::reset() {
  size_ = remaining_ = total_ = 0;
  line_len_ = 0;
  state_ = kSizeStart;
  error_ = Error{};
  trailer_cursor_ = HeadCursor{};
  trailer_count_ = 0;
}

ChunkStep ChunkedDecoder::fail(const Error& e, size_t consumed) {
  state_ = kError;
  error_ = e;
  ChunkStep step;
  step.status = ChunkStatus::Error;
  step.consumed = consumed;
  step.error = e;
  return step;
}

ChunkStep ChunkedDecoder::on_trailers(const char* data, size_t len, size_t p) {
  size_t section = 0;
  const Result r = detail::parse_field_section(
      data + p, len - p, limits_, trailers_, trailer_count_, &section,
      &trailer_cursor_);
  ChunkStep step;
  if (r.status == Status::Error) return fail(r.error, p);
  if (r.status == Status::Incomplete) {
    step.status = ChunkStatus::NeedMore;
    step.consumed = p;  // keep the partial trailer section in the caller's buffer
    return step;
  }
  for (uint16_t i = 0; i < trailer_count_; ++i)
    if (is_forbidden_trailer(trailers_[i].name)) return fail(kErrForbiddenTrailer, p);
  state_ = kDone;
  step.status = ChunkStatus::Done;
  step.consumed = p + section;
  return step;
}

ChunkStep ChunkedDecoder::decode(const char* data, size_t len) {
  ChunkStep step;
  if (state_ == kDone) {
    step.status = ChunkStatus::Done;
    return step;
  }
  if (state_ == kError) return fail(error_, 0);

  size_t p = 0;
  while (p < len) {
    const char b = data[p];
    switch (state_) {
      case kData: {
        const size_t avail = len - p;
        const size_t n = remaining_ < avail ? static_cast<size_t>(remaining_) : avail;
        step.status = ChunkStatus::Data;
        step.data = std::string_view(data + p, n);
        step.consumed = p + n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = kDataCR;
        return step;
      }
      case kDataCR:
        if (b != '\r') return fail(kErrDataCRLF, p);
        state_ = kDataLF;
        ++p;
        continue;
      case kDataLF:
        if (b != '\n') return fail(kErrDataCRLF, p);
        state_ = kSizeStart;
        size_ = 0;
        line_len_ = 0;
        ++p;
        continue;
      case kLineLF:
        if (b != '\n') return fail(kErrLineBareCR, p);
        ++p;
        if (size_ == 0) {
          state_ = kTrailers;
          trailer_cursor_ = HeadCursor{};
          return on_trailers(data, len, p);
        }
        remaining_ = size_;
        total_ += size_;
        state_ = kData;
        continue;
      case kTrailers:
        return on_trailers(data, len, p);
      default:
        break;
    }

    // Size-line states: every byte but the final CR counts toward the cap.
    if (b != '\r' && limits_.chunk_line != 0 && line_len_ >= limits_.chunk_line)
      return fail(kErrLineTooLong, p);
    const int digit = hex_value(b);
    if (state_ == kSizeStart || (state_ == kSize && digit >= 0)) {
      if (digit < 0) return fail(kErrSize, p);
      const uint64_t next = size_ * 16 + static_cast<uint64_t>(digit);
      if (next > kMaxContentLength) return fail(kErrSizeTooLarge, p);
      if (total_ + next > kMaxContentLength ||
          (limits_.body != 0 && total_ + next > limits_.body))
        return fail(kErrBodyTooLarge, p);
      size_ = next;
      state_ = kSize;
    } else {
      const State next = size_line_step(static_cast<State>(state_), b);
      if (next == kError) {
        const bool in_size = state_ == kSize || state_ == kSizeBWS;
        return fail(in_size ? kErrSize : kErrExtension, p);
      }
      state_ = next;
    }
    if (b != '\r') ++line_len_;
    ++p;
  }
  step.status = ChunkStatus::NeedMore;
  step.consumed = p;
  return step;
}

}  // namespace tusk::http
