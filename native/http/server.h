// native/http/server.h — the HTTP engine of one worker: accepts on the inherited listeners, reads
// and parses requests, hands each request to the application once (through EngineEvents), writes
// responses corked and flushed once per loop turn, and enforces keep-alive, header timeouts, the
// connection cap and backpressure. No N-API here: bridge.cc is the JavaScript face.
//
// One class, three files by role: server.cc the loop and the connections (accept, read, parse,
// write, close, the timers); application.cc the application's side (body reads, responses, Fail);
// request_ids.h the table from request ids to connections.
#pragma once

#include <openssl/ssl.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "accept.h"
#include "http/access_log.h"
#include "http/connection.h"
#include "http/forwarded.h"
#include "http/parser.h"
#include "http/request_ids.h"
#include "http/stats.h"
#include "proxy_gate.h"

namespace tusk::http {

struct ServerOptions {
  Limits limits;
  uint64_t keepalive_ms = 5000;       // idle time allowed between requests
  uint64_t header_timeout_ms = 10000; // time allowed to send a whole request head
  uint32_t max_connections = 1000;    // above it the worker stops accepting
  size_t write_high_water = 1 << 20;  // buffered output above which the application must wait
  double* stats = nullptr;            // the worker's stats block (http/stats.h); null: a private one
  // request_timeout: a request not answered this long after its head arrived gets
  // `timeout_status` (or, once its response has begun, a closed connection). 0 = none.
  uint64_t request_timeout_ms = 0;
  uint16_t timeout_status = 503;
  ForwardedRule forwarded;            // forwarded_allow_ips, secure_scheme_headers
  bool proxy_protocol = false;        // every connection starts with a PROXY header
  AddressList proxy_allow;            // proxy_allow_ips
  std::shared_ptr<SSL_CTX> tls;       // serve TLS with this context (native/tls); null: plain HTTP
};

// What the engine tells the application (implemented by the bridge).
class EngineEvents {
 public:
  virtual ~EngineEvents() = default;
  virtual void OnRequest(double id, bool has_body) = 0;
  virtual void OnBody(double id, const char* data, size_t len, bool last) = 0;
  virtual void OnDrain(double id) = 0;
  virtual void OnAbort(double id) = 0;  // the connection closed before the response ended
  virtual void OnIdle() = 0;            // draining and the last connection closed
  virtual void OnAccessLog(const std::string& batch) = 0;  // this loop turn's access records
};

struct HeaderView;

class Server : public AcceptSink, public AdmitSink {
 public:
  Server(uv_loop_t* loop, const ServerOptions& options, EngineEvents* events);
  ~Server() override;
  int Listen(const std::vector<int>& fds);  // 0 or a negative libuv error

  void Start() { acceptor_.Start(); }
  // Records every answered request for the access log, handed over once per loop turn.
  void EnableAccessLog(std::unique_ptr<AccessLog> log) { access_ = std::move(log); }
  // The records not handed over yet (for a process about to exit); the batch is emptied.
  std::string TakeAccessLog();
  void Pause() { acceptor_.Pause(); }
  // Graceful: stop accepting, close idle connections, close the others after their response.
  void Drain();
  size_t connection_count() const { return live_; }

  // ---- the application's side, by request id (false/nullptr when the request is gone) ----
  Connection* Find(double id) const { return ids_.Find(id); }
  // The connection's peer: the source its PROXY header named, else the socket's peer.
  const Address& Peer(Connection* c);
  // The request's client and scheme through trusted proxies (forwarded.h), worked out once.
  const Client& ClientOf(Connection* c);
  bool ReadBody(double id);
  bool PauseBody(double id, bool paused);
  // A whole response in one call; `body` may be empty.
  bool Respond(double id, uint16_t status, const HeaderView* headers, size_t count, std::string_view body);
  // Streaming: head, then chunks (false from Write means wait for OnDrain), then End.
  bool WriteHead(double id, uint16_t status, const HeaderView* headers, size_t count, int64_t length);
  int Write(double id, std::string_view chunk);  // 1 ok, 0 ok but wait for drain, -1 gone
  bool End(double id, std::string_view chunk);
  bool Destroy(double id);
  // The application failed the request: a 500 and a close when nothing of the response was
  // queued yet, a close at once when its head already was. No abort event follows.
  bool Fail(double id);

  // ---- libuv callbacks ----
  void OnAccepted(const int* fds, size_t count) override;
  void OnAdmitted(int fd, const Address* source) override;
  void OnPoll(Connection* c, int status, int events);
  void OnCheck();
  void OnTick();
  void OnClosed(Connection* c);

 private:
  size_t Consume(Connection* c, const char* data, size_t len);
  void Process(Connection* c);  // Consume over c->pending
  bool StepHead(Connection* c, const char* data, size_t len, size_t* used);
  bool StepBody(Connection* c, const char* data, size_t len, size_t* used);
  void BodyComplete(Connection* c);
  bool InputEndedMidBody(const Connection* c) const;
  void Admit(int fd, const Address* source);
  ssize_t ReadSocket(Connection* c);
  ssize_t SendSocket(Connection* c);
  void CapConnections();
  void Dispatch(Connection* c);
  void KeepHead(Connection* c, const char* base, size_t head_len);
  void Reject(Connection* c, uint16_t status, const char* reason);
  void TimeOut(Connection* c);
  void FinishResponse(Connection* c);
  void Append(Connection* c, std::string_view bytes);
  void Flush(Connection* c);
  void QueueFlush(Connection* c);
  void QueueResume(Connection* c);
  void Wake();
  void UpdatePoll(Connection* c);
  void Close(Connection* c);
  bool ResponseAllowed(Connection* c, double id) const;

  uv_loop_t* loop_;
  ServerOptions options_;
  EngineEvents* events_;
  std::unique_ptr<AccessLog> access_;  // null when the access log is off
  Acceptor acceptor_;
  std::unique_ptr<ProxyGate> gate_;  // between acceptor_ and this server when proxy_protocol is on
  uv_check_t* check_ = nullptr;
  uv_idle_t* wake_ = nullptr;
  uv_timer_t* tick_ = nullptr;
  RequestIds ids_;
  std::vector<Connection*> flush_queue_;
  std::vector<Connection*> resume_queue_;
  std::vector<Connection*> graveyard_;  // closed connections that never had a poll handle
  std::vector<double> aborts_;  // events for the application, delivered from the check phase
  std::vector<double> drains_;
  bool idle_pending_ = false;
  size_t live_ = 0;
  bool paused_for_cap_ = false;
  bool draining_ = false;
  char* read_buffer_;
  Stats stats_;
};

}  // namespace tusk::http
