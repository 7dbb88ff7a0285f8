// native/http/application.cc — the engine's application side: what the bridge calls, by request
// id, to read a request's body and answer it (Respond, WriteHead/Write/End, Destroy, Fail), and
// what ending a response does to the connection (FinishResponse: keep-alive, the unread body).
//
// An answer appends to the connection's output and queues a flush for the loop's check phase
// (server.cc writes it); output past kImmediateFlush is written at once, and output past the
// high-water mark makes Write return 0 until it drains (OnDrain). Every call finds its connection
// through the request-id table (request_ids.h) and fails softly (false, -1) when the request is
// gone. A request the application fails (Fail) gets a 500 and a closed connection, or only the
// close when its head was already sent.
#include "http/response.h"
#include "http/server.h"
#include "sockaddr.h"

namespace tusk::http {

namespace {

constexpr uint64_t kDiscardLimit = 1 << 20;    // unread body dropped to keep a connection alive
constexpr size_t kImmediateFlush = 64 * 1024;  // output this large is written without waiting

}  // namespace

const Address& Server::Peer(Connection* c) {
  if (!c->peer_known) {
    c->peer_known = true;
    peer_address(c->fd, &c->peer);
  }
  return c->peer;
}

const Client& Server::ClientOf(Connection* c) {
  if (!c->client_known) {
    c->client_known = true;
    const Request& r = c->request;
    if (has_forwarding(options_.forwarded, r.headers, r.header_count)) {
      c->client = resolve_client(options_.forwarded, Peer(c), r.headers, r.header_count);
    } else {
      c->client = Client{Peer(c), false};
    }
    if (c->tls) c->client.secure = true;  // the connection itself is https
  }
  return c->client;
}

bool Server::ReadBody(double id) {
  Connection* c = Find(id);
  if (c == nullptr) return false;
  if (c->body_reading) return true;
  c->body_reading = true;
  if (c->phase == Phase::Body && c->request.expect_continue && !c->continue_sent && !c->response_started) {
    c->continue_sent = true;
    Append(c, c->http10 ? "HTTP/1.0 100 Continue\r\n\r\n" : "HTTP/1.1 100 Continue\r\n\r\n");
  }
  if (!c->in_process) QueueResume(c);
  return true;
}

bool Server::PauseBody(double id, bool paused) {
  Connection* c = Find(id);
  if (c == nullptr) return false;
  c->body_paused = paused;
  if (!paused && !c->in_process) QueueResume(c);
  UpdatePoll(c);
  return true;
}

bool Server::Respond(double id, uint16_t status, const HeaderView* headers, size_t count, std::string_view body) {
  Connection* c = Find(id);
  if (c == nullptr || c->response_started) return false;
  HeadPlan plan;
  plan.status = status;
  plan.http10 = c->http10;
  plan.keep_alive = c->keep_alive && !draining_;
  plan.head_request = c->head_method;
  plan.has_length = true;
  plan.length = body.size();
  append_head(c->out, plan, headers, count);
  c->response_started = true;
  c->status = status;
  c->response_keeps_alive = plan.keep_alive;
  bool sends_body = !c->head_method && !status_has_no_body(status);
  if (sends_body) c->out.append(body);
  if (access_) {
    access_->Head(c, headers, count, static_cast<int64_t>(body.size()));
    if (sends_body) AccessLog::Sent(c, body.size());
  }
  FinishResponse(c);
  return true;
}

bool Server::WriteHead(double id, uint16_t status, const HeaderView* headers, size_t count, int64_t length) {
  Connection* c = Find(id);
  if (c == nullptr || c->response_started) return false;
  bool bodiless = c->head_method || status_has_no_body(status);
  HeadPlan plan;
  plan.status = status;
  plan.http10 = c->http10;
  plan.head_request = c->head_method;
  plan.has_length = length >= 0;
  plan.length = length >= 0 ? static_cast<uint64_t>(length) : 0;
  plan.chunked = length < 0 && !c->http10 && !bodiless;
  if (length < 0 && c->http10 && !bodiless) c->keep_alive = false;  // the close marks the end
  plan.keep_alive = c->keep_alive && !draining_;
  append_head(c->out, plan, headers, count);
  c->response_started = true;
  c->status = status;
  c->response_keeps_alive = plan.keep_alive;
  c->response_chunked = plan.chunked;
  c->response_bodiless = bodiless;
  if (access_) access_->Head(c, headers, count, length);
  QueueFlush(c);
  return true;
}

int Server::Write(double id, std::string_view chunk) {
  Connection* c = Find(id);
  if (c == nullptr || !c->response_started) return -1;
  if (!chunk.empty() && !c->response_bodiless) {
    if (access_) AccessLog::Sent(c, chunk.size());
    if (c->response_chunked) {
      append_chunk_prefix(c->out, chunk.size());
      c->out.append(chunk);
      c->out.append("\r\n");
    } else {
      c->out.append(chunk);
    }
  }
  if (c->out.size() - c->out_off >= kImmediateFlush) Flush(c);
  else QueueFlush(c);
  if (c->closing()) return -1;
  if (c->out.size() - c->out_off >= options_.write_high_water) {
    c->notify_drain = true;
    UpdatePoll(c);
    return 0;
  }
  return 1;
}

bool Server::End(double id, std::string_view chunk) {
  Connection* c = Find(id);
  if (c == nullptr || !c->response_started) return false;
  if (!chunk.empty() && Write(id, chunk) < 0) return false;
  if (c->response_chunked) c->out.append("0\r\n\r\n");
  FinishResponse(c);
  return true;
}

bool Server::Destroy(double id) {
  Connection* c = Find(id);
  if (c == nullptr) return false;
  stats_.Aborted();
  if (access_ && c->response_started) access_->Finish(c, c->status);  // cut short: logged with what was sent
  c->request_id = 0;  // the application knows; no abort event for it
  Close(c);
  return true;
}

bool Server::Fail(double id) {
  Connection* c = Find(id);
  if (c == nullptr) return false;
  if (access_ && c->response_started) access_->Finish(c, c->status);
  c->request_id = 0;  // the application knows; no abort event for it
  if (c->response_started) {
    stats_.Aborted();
    Close(c);  // part of a response is out: only a close tells the client it is incomplete
    return true;
  }
  static constexpr std::string_view kBody = "Internal Server Error\n";
  static constexpr HeaderView kType{"Content-Type", "text/plain; charset=utf-8"};
  HeadPlan plan;
  plan.status = 500;
  stats_.Answered(500, c->started);
  plan.http10 = c->http10;
  plan.keep_alive = false;
  plan.head_request = c->head_method;
  plan.has_length = true;
  plan.length = kBody.size();
  append_head(c->out, plan, &kType, 1);
  if (!c->head_method) c->out.append(kBody);
  if (access_) {
    access_->Head(c, &kType, 1, static_cast<int64_t>(kBody.size()));
    if (!c->head_method) AccessLog::Sent(c, kBody.size());
    access_->Finish(c, plan.status);
  }
  // As for a rejected request: the rest of the input is never read, and the close lingers so that
  // the 500 is not destroyed by a reset.
  c->keep_alive = false;
  c->finish_after_flush();
  c->rejected = true;
  c->notify_drain = false;
  if (!c->in_process) c->pending.clear();
  QueueFlush(c);
  return true;
}

void Server::FinishResponse(Connection* c) {
  stats_.Answered(c->status, c->started);
  if (access_) access_->Finish(c, c->status);
  c->request_id = 0;
  c->response_started = false;
  c->notify_drain = false;
  c->deadline = uv_now(loop_) + options_.keepalive_ms;
  bool body_unread = c->phase == Phase::Body;
  if (body_unread) {
    bool waits_for_continue = c->request.expect_continue && !c->continue_sent;
    bool small = c->body_kind == BodyKind::Length && c->body_left <= kDiscardLimit;
    if (waits_for_continue || !small) c->keep_alive = false;
    else c->discard_body = true;
  } else {
    c->phase = Phase::Head;
  }
  // A response that announced keep-alive keeps the connection open even when a drain began
  // after its head was sent: the client may already be sending its next request, which is then
  // answered with Connection: close (or the connection times out idle).
  if (!c->keep_alive || !c->response_keeps_alive) {
    c->finish_after_flush();
    if (!c->in_process) c->pending.clear();
  } else if (!c->in_process && !c->pending.empty()) {
    QueueResume(c);  // pipelined requests wait in `pending`
  }
  if (c->out.size() - c->out_off >= kImmediateFlush) Flush(c);
  else QueueFlush(c);
}

}  // namespace tusk::http
