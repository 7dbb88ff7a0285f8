// native/http/connection.h — one client connection's state: the bytes received but not yet
// consumed, the request being served (its head kept zero-copy while it can be), the body being
// read, the bytes waiting to be written, keep-alive and timeouts. This data belongs to the
// Connection; the Server drives it (server.cc reads and writes it, application.cc answers its
// requests) and the bridge reads it through request ids (request_ids.h).
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

#include "address.h"
#include "http/chunked.h"
#include "http/forwarded.h"
#include "http/parser.h"
#include "tls/session.h"

namespace tusk::http {

class Server;

enum class Phase : uint8_t {
  Head,     // waiting for (the rest of) a request head
  Body,     // the request's body is being received
  Waiting,  // body complete (or none); the response is not finished yet
};

// A connection's lifetime, in order; it only ever moves forward.
enum class Lifecycle : uint8_t {
  Open,       // reading requests and answering them
  Finishing,  // the last response is queued: close (or half-close and linger) once it is written
  Lingering,  // half-closed after the last response: draining the client's bytes until it closes
  Closing,    // closed; inside Consume the teardown waits until the reader unwinds
  TornDown,   // fd closed and the poll handle closing; freed from Server::OnClosed
};

// What the access log keeps of the response being served, besides its status and start time (the
// Connection's own); untouched when the log is off.
struct AccessState {
  uint64_t body_sent = 0;   // body bytes of the response queued so far
  bool peer_known = false;
  std::string peer;         // the peer's address, looked up once per connection
  std::string head;         // values of the response headers the format reads, NUL-terminated
};

struct Connection {
  Server* server = nullptr;
  uv_poll_t poll;
  int fd = -1;
  uint32_t slot = 0;
  int poll_events = 0;
  bool poll_ready = false;  // `poll` is initialised (on first need)
  Address peer;             // valid when peer_known: from the PROXY header, or getpeername on first need
  bool peer_known = false;
  std::unique_ptr<tls::Session> tls;  // TLS between the socket and everything below; null: plain

  // ---- input ----
  std::string pending;        // received, not yet consumed: partial head, body, pipelined requests
  std::string head_copy;      // the current head, copied here when the request outlives the read
  Request request;
  HeadCursor cursor;
  Phase phase = Phase::Head;
  BodyKind body_kind = BodyKind::None;
  uint64_t body_left = 0;     // Length bodies: bytes still to come
  std::unique_ptr<ChunkedDecoder> chunked;  // made on the first chunked request
  bool body_reading = false;  // the application asked for the body
  bool body_paused = false;   // the application cannot take more body right now
  bool continue_sent = false;
  bool discard_body = false;  // the response ended first: read the rest of the body and drop it

  // ---- the request being served ----
  double request_id = 0;      // 0: none
  uint64_t request_deadline = 0;  // loop time (ms) by which it must be answered (request_timeout); 0 = none
  Client client;              // valid when client_known: worked out on first need for this request
  bool client_known = false;
  bool keep_alive = true;
  bool http10 = false;
  bool head_method = false;
  bool response_started = false;
  uint16_t status = 0;        // of the response begun (Respond, WriteHead)
  uint64_t started = 0;       // uv_hrtime() when the application got the request (Stats::Begin)
  bool response_keeps_alive = false;  // the head sent said the connection stays open
  bool response_chunked = false;
  bool response_bodiless = false;  // HEAD, 1xx, 204, 304: framing only

  // ---- output ----
  std::string out;            // bytes waiting to be written (corked until the loop's check phase)
  size_t out_off = 0;         // out[0, out_off) is already written
  bool queued_flush = false;
  bool queued_resume = false;
  bool write_blocked = false; // the kernel buffer is full: waiting for POLLOUT
  bool notify_drain = false;  // the application was told to wait; tell it when `out` drains

  AccessState log;

  // ---- lifetime ----
  uint64_t deadline = 0;      // loop time (ms) when an idle or slow connection is closed; 0 = none
  Lifecycle life = Lifecycle::Open;
  bool in_process = false;         // inside Consume: a close only marks the connection
  bool rejected = false;           // answered with an error: the rest of its input is unread
  bool eof = false;                // the client half-closed its side

  // The last response is queued (Finishing) or past it.
  bool finishing() const { return life >= Lifecycle::Finishing; }
  bool lingering() const { return life == Lifecycle::Lingering; }
  bool closing() const { return life >= Lifecycle::Closing; }
  bool torn_down() const { return life == Lifecycle::TornDown; }
  // No request after the one answered: close once the output is written.
  void finish_after_flush() {
    if (life == Lifecycle::Open) life = Lifecycle::Finishing;
  }
};

}  // namespace tusk::http
