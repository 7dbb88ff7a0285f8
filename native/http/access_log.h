// native/http/access_log.h — the access log's one formatter and the engine's recorder.
//
// AccessFormat renders one access record as one line: the format comes from JavaScript already
// parsed and checked (src/access-format.ts turns `access_log_format` into literal text and
// Gunicorn's atoms), and every interface's lines are rendered here: the engine's (fetch and
// native interfaces) by AccessLog as each response completes, the node interface's through
// access_log_wrap.cc. Lines are byte strings: what the client sent is written back unchanged,
// with quotes, backslashes and control bytes escaped (\", \\, \xHH in text; JSON's escapes in json).
//
// AccessLog keeps what the format reads of the response being served (its header values, body
// bytes) in the Connection and appends each finished request's line to one batch that the bridge
// hands to JavaScript once per loop turn, which writes it to the file.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "http/connection.h"
#include "http/response.h"

namespace tusk::http {

// One answered request, as the formatter reads it.
struct AccessRecord {
  std::string_view peer;    // "" for a unix socket
  std::string_view method;
  std::string_view target;  // as sent
  int version_minor = 1;
  uint16_t status = 0;
  uint64_t bytes = 0;       // body bytes sent
  uint64_t micros = 0;      // from the request reaching the application to the response's end
  const std::string_view* request_headers = nullptr;   // one value per AccessFormat::request_headers()
  const std::string_view* response_headers = nullptr;  // one per response_headers()
};

class AccessFormat {
 public:
  // One piece of a format: literal text (`atom` empty), or an atom with its argument (the header
  // name of `i`/`o`, the value of an `e` variable).
  struct Token {
    std::string atom;
    std::string text;
  };

  // False with *error for an atom it does not render.
  bool Compile(bool json, const std::vector<Token>& tokens, std::string* error);

  // Appends the record's line and a newline.
  void Render(const AccessRecord& r, std::string& out) const;

  // Lower-case names of the headers a record carries.
  const std::vector<std::string>& request_headers() const { return request_headers_; }
  const std::vector<std::string>& response_headers() const { return response_headers_; }

 private:
  enum class Op : uint8_t {
    Text, Peer, Dash, User, Time, Request, Method, Target, Path, Query, Protocol, Status, Bytes,
    BytesOrDash, RequestHeader, ResponseHeader, Seconds, Millis, Micros, DecimalSeconds, Pid, Value,
  };
  struct Step {
    Op op;
    uint32_t index = 0;  // header index, or into texts_ for Text and Value
  };
  uint32_t Want(std::vector<std::string>& list, std::string name);
  void Time(std::string& out) const;

  bool json_ = false;
  std::vector<Step> steps_;
  std::vector<std::string> texts_;
  std::vector<std::string> request_headers_;
  std::vector<std::string> response_headers_;
  uint64_t pid_ = 0;
  mutable time_t clock_second_ = -1;  // the date texts below are for this second
  mutable std::string clf_, iso_;
};

class AccessLog {
 public:
  explicit AccessLog(AccessFormat format) : format_(std::move(format)) {}

  const AccessFormat& format() const { return format_; }

  // The response head is out: the values of the response headers the format reads (copied: the
  // views do not outlive the call). `length` is the Content-Length the engine wrote, or -1.
  void Head(Connection* c, const HeaderView* headers, size_t count, int64_t length) const;
  // Body bytes of the response as they are queued.
  static void Sent(Connection* c, size_t bytes) { c->log.body_sent += bytes; }
  // The response is complete (or was cut short) with `status`: its line joins the batch, timed
  // from c->started. The request's views must still be valid.
  void Finish(Connection* c, uint16_t status);

  bool empty() const { return batch_.empty(); }
  const std::string& batch() const { return batch_; }
  void clear() { batch_.clear(); }

 private:
  AccessFormat format_;
  std::string batch_;
  std::vector<std::string_view> values_;  // scratch: the header values of the record being rendered
  std::vector<std::string> joined_;       // scratch: a request header sent more than once, joined with ", "
};

}  // namespace tusk::http
