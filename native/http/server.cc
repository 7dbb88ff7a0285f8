// native/http/server.cc — the engine's loop and connections: accept, read, parse, dispatch,
// write, close, and the check-phase and one-second timers. The application's side (responses,
// body reads, Fail) is application.cc; which connection a request id names is request_ids.h.
//
// Reading: bytes go into one receive buffer shared by every connection and are parsed in place;
// only what a connection has not consumed (a partial head, body the application has not asked
// for yet, pipelined requests) is copied into the connection. A request head stays zero-copy
// while the application answers synchronously; one that waits for a promise gets its head
// copied into the connection first.
//
// Writing: responses are appended to the connection's output and flushed once per loop turn (a
// uv_check handle), so the head and body of a response, and the responses to pipelined requests,
// leave in one send(). Large outputs flush at once. A connection whose output passes the high-water
// mark stops being read, and the application is told to wait (Write returns 0) until it drains.
//
// Requests on one connection are answered in order: the next head is parsed only once the current
// response has ended.
//
// A client that closes (or half-closes) while the application holds its request has gone: the
// connection is closed at once and the application hears of it as an abort.
//
// A connection's lifetime is one state (Lifecycle, connection.h): Open, Finishing once its last
// response is queued, Lingering once half-closed after it, Closing, TornDown.
//
// TLS (options.tls set): each connection has a tls::Session between its socket and all of the
// above, which reads and sends the ciphertext and hands over plaintext (native/tls/session.h);
// the three calls below that touch the socket's bytes go through it, nothing else changes.
#include "http/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "http/response.h"

namespace tusk::http {

namespace {

constexpr size_t kReadBuffer = 256 * 1024;     // shared by every connection of the worker
constexpr size_t kMaxPending = 256 * 1024;     // unconsumed input a connection may hold
constexpr uint64_t kLingerMs = 2000;           // how long a half-closed connection is drained

void on_poll(uv_poll_t* handle, int status, int events) {
  auto* c = static_cast<Connection*>(handle->data);
  c->server->OnPoll(c, status, events);
}
void on_check(uv_check_t* handle) { static_cast<Server*>(handle->data)->OnCheck(); }
void on_idle(uv_idle_t* handle) {}  // exists only to keep the loop from blocking while work is queued
void on_tick(uv_timer_t* handle) { static_cast<Server*>(handle->data)->OnTick(); }
void on_closed(uv_handle_t* handle) {
  auto* c = static_cast<Connection*>(handle->data);
  c->server->OnClosed(c);
}
void free_check(uv_handle_t* handle) { delete reinterpret_cast<uv_check_t*>(handle); }
void free_idle(uv_handle_t* handle) { delete reinterpret_cast<uv_idle_t*>(handle); }
void free_timer(uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); }

// Moves every view of `r` from the buffer at `from` to the same offsets in the buffer at `to`.
void rebase(Request& r, const char* from, const char* to) {
  auto move = [&](std::string_view& v) {
    if (!v.empty()) v = std::string_view(to + (v.data() - from), v.size());
  };
  move(r.method);
  move(r.target);
  for (uint16_t i = 0; i < r.header_count; i++) {
    move(r.headers[i].name);
    move(r.headers[i].value);
  }
}

}  // namespace

Server::Server(uv_loop_t* loop, const ServerOptions& options, EngineEvents* events)
    : loop_(loop), options_(options), events_(events), read_buffer_(new char[kReadBuffer]), stats_(options.stats) {
  refresh_date();
  check_ = new uv_check_t;
  uv_check_init(loop_, check_);
  check_->data = this;
  uv_check_start(check_, on_check);
  uv_unref(reinterpret_cast<uv_handle_t*>(check_));
  wake_ = new uv_idle_t;
  uv_idle_init(loop_, wake_);
  wake_->data = this;
  uv_unref(reinterpret_cast<uv_handle_t*>(wake_));
  tick_ = new uv_timer_t;
  uv_timer_init(loop_, tick_);
  tick_->data = this;
  // A request timeout shorter than a few seconds is checked more often than once a second.
  uint64_t tick_ms = 1000;
  if (options_.request_timeout_ms > 0) tick_ms = std::clamp<uint64_t>(options_.request_timeout_ms / 4, 50, 1000);
  uv_timer_start(tick_, on_tick, tick_ms, tick_ms);
  uv_unref(reinterpret_cast<uv_handle_t*>(tick_));
}

Server::~Server() {
  acceptor_.Close();
  gate_.reset();
  for (Connection* c : ids_.slots()) {
    if (c != nullptr && !c->torn_down()) {
      c->in_process = false;
      Close(c);
    }
  }
  for (Connection* dead : graveyard_) OnClosed(dead);
  uv_close(reinterpret_cast<uv_handle_t*>(check_), free_check);
  uv_close(reinterpret_cast<uv_handle_t*>(wake_), free_idle);
  uv_close(reinterpret_cast<uv_handle_t*>(tick_), free_timer);
  delete[] read_buffer_;
}

int Server::Listen(const std::vector<int>& fds) {
  if (!options_.proxy_protocol) return acceptor_.Init(loop_, fds, this);
  ProxyOptions proxy;
  proxy.allow = options_.proxy_allow;
  proxy.timeout_ms = options_.header_timeout_ms;
  gate_ = std::make_unique<ProxyGate>(loop_, proxy, this);
  return acceptor_.Init(loop_, fds, gate_.get());
}

// ---- accepting ----

void Server::OnAccepted(const int* fds, size_t count) {
  for (size_t i = 0; i < count; i++) Admit(fds[i], nullptr);
  CapConnections();
}

void Server::OnAdmitted(int fd, const Address* source) {
  Admit(fd, source);
  CapConnections();
}

// read(2) for the connection: through its TLS session when it has one.
ssize_t Server::ReadSocket(Connection* c) {
  if (c->tls) return c->tls->Read(c->fd, read_buffer_, kReadBuffer);
  ssize_t n;
  do {
    n = ::read(c->fd, read_buffer_, kReadBuffer);
  } while (n < 0 && errno == EINTR);
  return n;
}

// send(2) of the connection's output: through its TLS session when it has one.
ssize_t Server::SendSocket(Connection* c) {
  const char* data = c->out.data() + c->out_off;
  size_t len = c->out.size() - c->out_off;
  if (c->tls) return c->tls->Send(c->fd, data, len);
  return ::send(c->fd, data, len, MSG_NOSIGNAL);
}

void Server::Admit(int fd, const Address* source) {
  std::unique_ptr<tls::Session> session;
  if (options_.tls) {
    session = std::make_unique<tls::Session>(options_.tls.get());
    if (!session->ok()) {
      ::close(fd);
      return;
    }
  }
  auto* c = new Connection();
  c->tls = std::move(session);
  c->server = this;
  c->fd = fd;
  if (source != nullptr) {
    c->peer = *source;
    c->peer_known = true;
  }
  ids_.Add(c);
  c->deadline = uv_now(loop_) + options_.header_timeout_ms;
  live_++;
  stats_.Add(kConnectionsTotal, 1);
  stats_.Set(kConnectionsOpen, static_cast<double>(live_));
  // The request usually arrives with the handshake: read it now rather than after another
  // trip through epoll (EAGAIN costs one syscall when it has not).
  OnPoll(c, 0, UV_READABLE);
  if (c->closing()) return;
  // Answered already and closing (Connection: close): write it now, never touching epoll.
  if (c->finishing() && c->out_off < c->out.size()) Flush(c);
  if (!c->closing()) UpdatePoll(c);
}

void Server::CapConnections() {
  if (live_ >= options_.max_connections && !paused_for_cap_) {
    paused_for_cap_ = true;
    acceptor_.Pause();
  }
}

// ---- reading and parsing ----

void Server::OnPoll(Connection* c, int status, int events) {
  if (c->closing()) return;
  if (status < 0) return Close(c);
  if (events & UV_WRITABLE) {
    c->write_blocked = false;
    Flush(c);
    if (c->closing()) return;
  }
  if (!(events & UV_READABLE)) {
    // The client half-closed or left while its input was not being read.
    if ((events & UV_DISCONNECT) && c->request_id != 0) return Close(c);
    if (events & UV_DISCONNECT) UpdatePoll(c);  // stale: the request ended since it was asked for
    return;
  }

  ssize_t n = ReadSocket(c);
  if (c->tls && c->tls->HasPending()) {  // handshake messages or an alert to send
    int saved = errno;
    Flush(c);
    if (c->closing()) return;
    errno = saved;
  }
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    return Close(c);
  }
  stats_.Add(kBytesIn, static_cast<double>(n));
  if (c->lingering()) {
    if (n == 0) Close(c);
    return;
  }
  if (n == 0) {
    c->eof = true;
    c->keep_alive = false;
    // An end of input while the application holds a request means the client went away (as nginx
    // and Node's http read it): the connection goes now, and Close tells the application. Waiting
    // for a response that may never come would hold the connection, and its slot, for ever.
    if (c->request_id != 0) return Close(c);
    if (!c->pending.empty()) {
      QueueResume(c);  // complete pipelined requests are still answered
    } else if (c->out_off < c->out.size()) {
      c->finish_after_flush();  // a response finished this turn is not flushed yet: send it first
      QueueFlush(c);
    } else {
      Close(c);
    }
    UpdatePoll(c);
    return;
  }
  if (c->request_id == 0 && c->phase == Phase::Head && c->pending.empty())
    c->deadline = uv_now(loop_) + options_.header_timeout_ms;  // a new head starts: time it

  if (c->pending.empty()) {
    // Parse straight from the shared buffer; keep only what is left.
    size_t len = static_cast<size_t>(n);
    size_t used = Consume(c, read_buffer_, len);
    if (c->finishing()) c->pending.clear();
    else if (!c->closing() && used < len) c->pending.assign(read_buffer_ + used, len - used);
  } else {
    c->pending.append(read_buffer_, static_cast<size_t>(n));
    Process(c);
  }
  if (c->closing()) return Close(c);
  UpdatePoll(c);
}

// Runs the connection's state machine over data[0, len): heads, bodies, pipelined requests, as
// far as the state allows. Returns the bytes used. The application may answer (or close the
// connection) from inside; teardown waits until this returns.
size_t Server::Consume(Connection* c, const char* data, size_t len) {
  c->in_process = true;
  size_t used = 0;
  while (!c->closing() && !c->finishing()) {
    size_t step = 0;
    bool progressed = false;
    if (c->phase == Phase::Head) progressed = c->request_id == 0 && used < len && StepHead(c, data + used, len - used, &step);
    else if (c->phase == Phase::Body) progressed = StepBody(c, data + used, len - used, &step);
    used += step;
    if (!progressed) break;
  }
  c->in_process = false;
  return used;
}

void Server::Process(Connection* c) {
  size_t used = Consume(c, c->pending.data(), c->pending.size());
  if (c->closing()) return;
  if (c->finishing()) c->pending.clear();
  else c->pending.erase(0, used);
  if (c->eof && c->request_id == 0 && !c->finishing()) Close(c);
  else if (InputEndedMidBody(c)) Close(c);
}

// The client's input ended while the body it announced is still short.
bool Server::InputEndedMidBody(const Connection* c) const {
  if (!c->eof || c->phase != Phase::Body || c->request_id == 0) return false;
  if (c->body_reading) return true;  // everything received has been consumed already
  return c->body_kind == BodyKind::Length && c->body_left > c->pending.size();
}

bool Server::StepHead(Connection* c, const char* data, size_t len, size_t* used) {
  Result r = parse_head(data, len, options_.limits, c->request, &c->cursor);
  if (r.status == Status::Incomplete) return false;
  if (r.status == Status::Error) {
    Reject(c, r.error.http_status, r.error.reason);
    return false;
  }
  Request& req = c->request;
  c->cursor = HeadCursor{};
  *used = req.head_length;
  c->request_id = ids_.Issue(c);
  c->keep_alive = req.keep_alive && !draining_ && !c->eof;
  c->http10 = req.version_minor == 0;
  c->head_method = req.method == "HEAD";
  c->response_started = false;
  c->response_chunked = false;
  c->body_kind = req.body_kind;
  c->body_left = req.body_kind == BodyKind::Length ? req.content_length : 0;
  c->body_reading = false;
  c->body_paused = false;
  c->continue_sent = false;
  c->discard_body = false;
  if (req.body_kind == BodyKind::Chunked) {
    // Made on first use: most connections never see a chunked body, and the decoder is ~4 KB.
    if (!c->chunked) c->chunked = std::make_unique<ChunkedDecoder>(options_.limits);
    c->chunked->reset();
  }
  bool has_body = req.body_kind == BodyKind::Chunked || c->body_left > 0;
  c->phase = has_body ? Phase::Body : Phase::Waiting;
  c->deadline = 0;  // the application has the request now
  c->client_known = false;
  c->request_deadline = options_.request_timeout_ms > 0 ? uv_now(loop_) + options_.request_timeout_ms : 0;
  Dispatch(c);
  // A request answered later keeps its head in the connection: the read buffer will be reused.
  if (c->request_id != 0 && !c->closing()) KeepHead(c, data, req.head_length);
  return true;
}

void Server::Dispatch(Connection* c) {
  c->started = stats_.Begin();
  events_->OnRequest(c->request_id, c->phase == Phase::Body);
}

void Server::KeepHead(Connection* c, const char* base, size_t head_len) {
  if (c->head_copy.data() == base) return;
  c->head_copy.assign(base, head_len);
  rebase(c->request, base, c->head_copy.data());
}

// The body has been fully received: wait for the response, or (when the response already ended and
// the body was being dropped) move on to the next request.
void Server::BodyComplete(Connection* c) {
  if (c->discard_body || c->request_id == 0) {
    c->discard_body = false;
    c->phase = Phase::Head;
    c->deadline = uv_now(loop_) + options_.keepalive_ms;
  } else {
    c->phase = Phase::Waiting;
  }
}

// Delivers (or drops) body bytes. The phase moves on before the application hears of the last
// piece, so that a response it writes from inside the callback finds the body complete.
bool Server::StepBody(Connection* c, const char* data, size_t len, size_t* used) {
  if ((!c->body_reading && !c->discard_body) || c->body_paused) return false;
  double id = c->request_id;
  bool deliver = !c->discard_body && id != 0;
  if (c->body_kind == BodyKind::Length) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(len, c->body_left));
    if (n == 0) return false;
    c->body_left -= n;
    *used = n;
    bool last = c->body_left == 0;
    if (last) BodyComplete(c);
    if (deliver) events_->OnBody(id, data, n, last);
    return true;
  }
  ChunkStep step = c->chunked->decode(data, len);
  *used = step.consumed;
  switch (step.status) {
    case ChunkStatus::Data:
      if (deliver) events_->OnBody(id, step.data.data(), step.data.size(), false);
      return true;
    case ChunkStatus::Done:
      BodyComplete(c);
      if (deliver) events_->OnBody(id, nullptr, 0, true);
      return true;
    case ChunkStatus::Error:
      Reject(c, step.error.http_status, step.error.reason);
      return false;
    case ChunkStatus::NeedMore:
      return false;
  }
  return false;
}

void Server::Reject(Connection* c, uint16_t status, const char* reason) {
  if (c->response_started) return Close(c);  // too late for a clean answer
  if (c->request_id != 0) {
    aborts_.push_back(c->request_id);
    c->request_id = 0;
    Wake();
    stats_.Answered(status, c->started);  // a body the engine refused: answered, by the engine
  } else {
    stats_.Answered(status, 0);
  }
  c->keep_alive = false;
  c->finish_after_flush();
  c->rejected = true;
  Append(c, error_response(status, reason));
}

// ---- writing ----

void Server::Append(Connection* c, std::string_view bytes) {
  c->out.append(bytes);
  QueueFlush(c);
}

void Server::QueueFlush(Connection* c) {
  if (c->queued_flush || c->closing()) return;
  c->queued_flush = true;
  flush_queue_.push_back(c);
  Wake();
}

void Server::QueueResume(Connection* c) {
  if (c->queued_resume || c->closing()) return;
  c->queued_resume = true;
  resume_queue_.push_back(c);
  Wake();
}

// Work queued from a timer or a promise must not wait for the next I/O event: an active idle
// handle makes the loop poll without blocking, so the check phase runs in this turn.
void Server::Wake() {
  if (!uv_is_active(reinterpret_cast<uv_handle_t*>(wake_))) uv_idle_start(wake_, on_idle);
}

void Server::Flush(Connection* c) {
  int tls_sent = c->tls ? c->tls->SendPending(c->fd) : 1;
  if (tls_sent < 0) return Close(c);
  if (tls_sent == 0) {
    c->write_blocked = true;
    UpdatePoll(c);
    return;
  }
  while (c->out_off < c->out.size()) {
    ssize_t n = SendSocket(c);
    if (n > 0) {
      c->out_off += static_cast<size_t>(n);
      stats_.Add(kBytesOut, static_cast<double>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (c->out_off > (1 << 16)) {
        c->out.erase(0, c->out_off);
        c->out_off = 0;
      }
      c->write_blocked = true;
      UpdatePoll(c);
      return;
    }
    return Close(c);
  }
  c->out.clear();
  c->out_off = 0;
  c->write_blocked = false;
  if (c->notify_drain) {
    c->notify_drain = false;
    if (c->request_id != 0) {
      drains_.push_back(c->request_id);
      Wake();
    }
  }
  if (c->finishing() && c->tls) c->tls->Shutdown(c->fd);  // close_notify before the FIN
  if (c->finishing() && (c->eof || (c->pending.empty() && c->phase == Phase::Head && !c->rejected)))
    return Close(c);  // nothing left unread that a close could turn into a reset
  if (c->life == Lifecycle::Finishing) {
    // Half-close and drain what the client still sends, so that a close with unread input does not
    // turn into a reset that destroys the response before the client reads it.
    ::shutdown(c->fd, SHUT_WR);
    c->life = Lifecycle::Lingering;
    c->deadline = uv_now(loop_) + kLingerMs;
  }
  UpdatePoll(c);
}

void Server::UpdatePoll(Connection* c) {
  if (c->torn_down()) return;
  int events = 0;
  bool backlog = c->out.size() - c->out_off >= options_.write_high_water;
  bool full = c->pending.size() >= kMaxPending;
  bool reading_stopped = c->eof || backlog || full || (c->phase == Phase::Body && c->body_paused) ||
                         (c->life == Lifecycle::Finishing);
  if (!c->closing() && !reading_stopped) events |= UV_READABLE;
  if (!c->closing() && c->write_blocked) events |= UV_WRITABLE;
  // A client that leaves while the application holds its request is noticed even when reading is
  // stopped (a paused body, a full buffer, output backlog). Along with reading it costs nothing.
  if (!c->closing() && !c->eof && ((events & UV_READABLE) || c->request_id != 0)) events |= UV_DISCONNECT;
  if (events == c->poll_events) return;
  if (!c->poll_ready) {
    // Made on first need: a connection answered and closed straight after accept never has one.
    if (uv_poll_init(loop_, &c->poll, c->fd) != 0) return Close(c);
    c->poll.data = c;
    c->poll_ready = true;
  }
  c->poll_events = events;
  if (events == 0) uv_poll_stop(&c->poll);
  else uv_poll_start(&c->poll, events, on_poll);
}

// ---- the loop's check phase and the one-second tick ----

void Server::OnCheck() {
  if (!resume_queue_.empty()) {
    std::vector<Connection*> resumes;
    resumes.swap(resume_queue_);
    for (Connection* c : resumes) {
      c->queued_resume = false;
      if (c->closing()) continue;
      Process(c);
      if (c->closing()) Close(c);
      else UpdatePoll(c);
    }
  }
  if (!flush_queue_.empty()) {
    std::vector<Connection*> flushes;
    flushes.swap(flush_queue_);
    for (Connection* c : flushes) {
      c->queued_flush = false;
      if (!c->closing()) Flush(c);
    }
  }
  if (!aborts_.empty()) {
    std::vector<double> ids;
    ids.swap(aborts_);
    for (double id : ids) events_->OnAbort(id);
  }
  if (!drains_.empty()) {
    std::vector<double> ids;
    ids.swap(drains_);
    for (double id : ids) events_->OnDrain(id);
  }
  if (access_ && !access_->empty()) {
    events_->OnAccessLog(access_->batch());
    access_->clear();
  }
  if (idle_pending_) {
    idle_pending_ = false;
    events_->OnIdle();
  }
  for (Connection* dead : graveyard_) OnClosed(dead);
  graveyard_.clear();
  bool more = !flush_queue_.empty() || !resume_queue_.empty() || !aborts_.empty() || !drains_.empty() || idle_pending_;
  if (more) Wake();
  else uv_idle_stop(wake_);
}

void Server::OnTick() {
  refresh_date();
  uint64_t now = uv_now(loop_);
  for (Connection* c : ids_.slots()) {
    if (c == nullptr || c->closing()) continue;
    if (c->request_id != 0 && c->request_deadline != 0 && now >= c->request_deadline) {
      TimeOut(c);
      continue;
    }
    if (c->deadline == 0 || now < c->deadline) continue;
    // Idle keep-alive, a head too slow to arrive (slowloris), or a lingering close that took too long.
    if (c->lingering() || (c->request_id == 0 && c->phase == Phase::Head)) Close(c);
  }
}

std::string Server::TakeAccessLog() {
  std::string out;
  if (access_) {
    out = access_->batch();
    access_->clear();
  }
  return out;
}

// request_timeout: the application has not finished its response in time. It hears of it as an
// abort; the client gets the timeout status, or only a close when part of the response is out.
void Server::TimeOut(Connection* c) {
  if (c->response_started) return Close(c);
  Reject(c, options_.timeout_status, "the request took too long");
}

// ---- closing ----

void Server::Drain() {
  if (draining_) return;
  draining_ = true;
  acceptor_.Close();
  // Open connections are not closed here: an idle keep-alive connection may have a request on its
  // way to us, and closing it would lose that request. Each next request is answered with
  // Connection: close (StepHead and the response heads see draining_); a connection that stays
  // idle closes at its keep-alive deadline, the same race every keep-alive client handles; and the
  // worker exits at graceful_timeout whatever is left.
  if (live_ == 0) {
    idle_pending_ = true;
    Wake();
  }
}

// Idempotent; inside Consume it only marks the connection, and the reader tears it down.
void Server::Close(Connection* c) {
  if (c->torn_down()) return;
  if (c->request_id != 0) {
    aborts_.push_back(c->request_id);
    c->request_id = 0;
    Wake();
    stats_.Aborted();
  }
  c->life = Lifecycle::Closing;
  if (c->in_process) return;  // the reader finishes the teardown when it unwinds
  c->life = Lifecycle::TornDown;
  if (c->poll_ready) {
    uv_close(reinterpret_cast<uv_handle_t*>(&c->poll), on_closed);  // libuv forgets the fd now
  } else {
    graveyard_.push_back(c);  // freed after the next check phase, when no queue can hold it
    Wake();
  }
  ::close(c->fd);
  live_--;
  stats_.Set(kConnectionsOpen, static_cast<double>(live_));
  if (paused_for_cap_ && live_ < options_.max_connections && !draining_) {
    paused_for_cap_ = false;
    acceptor_.Start();
  }
  if (draining_ && live_ == 0) {
    idle_pending_ = true;
    Wake();
  }
}

void Server::OnClosed(Connection* c) {
  ids_.Remove(c);
  delete c;
}

}  // namespace tusk::http
