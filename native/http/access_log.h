// native/http/access_log.h — what the engine records of each answered request for the access log,
// and nothing more: the base fields (kAccessLogFields, which src/access-log.ts reads through the
// addon's `accessLogFields`) and the values of the request and response headers the format reads,
// appended as NUL-terminated text to one batch that the bridge hands to JavaScript once per loop
// turn. The lines are formatted in JavaScript (src/access-format.ts), for every interface alike.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "http/connection.h"
#include "http/response.h"

namespace tusk::http {

// The order of a record's base fields. The header values follow: request headers, then response headers.
inline constexpr const char* kAccessLogFields[] = {"peer", "method", "target", "version", "status", "bytes", "micros"};

class AccessLog {
 public:
  AccessLog(std::vector<std::string> request_headers, std::vector<std::string> response_headers);

  // The response head is out: the values of the response headers the format reads (copied: the
  // views do not outlive the call). `length` is the Content-Length the engine wrote, or -1.
  void Head(Connection* c, const HeaderView* headers, size_t count, int64_t length) const;
  // Body bytes of the response as they are queued.
  static void Sent(Connection* c, size_t bytes) { c->log.body_sent += bytes; }
  // The response is complete (or was cut short) with `status`: the record joins the batch, timed
  // from c->started. The request's views must still be valid.
  void Finish(Connection* c, uint16_t status);

  bool empty() const { return batch_.empty(); }
  const std::string& batch() const { return batch_; }
  void clear() { batch_.clear(); }

 private:
  std::vector<std::string> request_headers_;   // lower case
  std::vector<std::string> response_headers_;  // lower case
  std::string batch_;
};

}  // namespace tusk::http
