// listen.cc — the master's sockets: resolve, socket, options, bind, listen; or adopt an inherited
// listening descriptor (fd://N, systemd LISTEN_FDS) after checking it really is one.
// Policy (retries on a busy address, which binds to make) lives in TypeScript; this file only does
// the system calls and reports failures as negative errno (see errors.h).
#include "listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "errors.h"
#include "sockaddr.h"

namespace tusk {
namespace {

int set_flag(int fd, int level, int option) {
  int on = 1;
  return setsockopt(fd, level, option, &on, sizeof on) == 0 ? 0 : last_error();
}

// Describes a socket's local address as a JavaScript object.
Napi::Object describe(Napi::Env env, int fd) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", fd);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    out.Set("family", "unknown");
    return out;
  }
  char text[INET6_ADDRSTRLEN];
  int port = inet_text(ss, text, sizeof text);
  if (port >= 0) {
    out.Set("family", ss.ss_family == AF_INET ? "IPv4" : "IPv6");
    out.Set("address", text);
    out.Set("port", port);
  } else if (ss.ss_family == AF_UNIX) {
    auto* sun = reinterpret_cast<sockaddr_un*>(&ss);
    size_t path_len = len > offsetof(sockaddr_un, sun_path) ? len - offsetof(sockaddr_un, sun_path) : 0;
    out.Set("family", "unix");
    out.Set("path", std::string(sun->sun_path, strnlen(sun->sun_path, path_len)));
  } else {
    out.Set("family", "unknown");
  }
  return out;
}

// Makes one TCP listener for a resolved address; returns the fd or a negative errno.
int listen_on(const addrinfo* ai, int backlog, bool reuse_port, const char** failed_call) {
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
  if (fd < 0) {
    *failed_call = "socket";
    return last_error();
  }
  int err = set_flag(fd, SOL_SOCKET, SO_REUSEADDR);
  if (err == 0 && reuse_port) err = set_flag(fd, SOL_SOCKET, SO_REUSEPORT);
  if (err == 0 && ai->ai_family == AF_INET6) err = set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY);
  if (err == 0) err = set_flag(fd, IPPROTO_TCP, TCP_NODELAY);
  // Wake accept only once the request's first bytes are there (nginx's "deferred"): a worker then
  // reads the request straight after accept instead of polling for it.
  if (err == 0) {
    int seconds = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof seconds) != 0) err = last_error();
  }
  if (err != 0) {
    *failed_call = "setsockopt";
  } else if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    *failed_call = "bind";
    err = last_error();
  } else if (listen(fd, backlog) != 0) {
    *failed_call = "listen";
    err = last_error();
  }
  if (err != 0) {
    close(fd);
    return err;
  }
  return fd;
}

}  // namespace

Napi::Value ListenTcp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber())
    return throw_type_error(env, "listenTcp(host, port, backlog, reusePort)");
  std::string host = info[0].As<Napi::String>();
  int port = info[1].As<Napi::Number>().Int32Value();
  int backlog = info[2].As<Napi::Number>().Int32Value();
  bool reuse_port = info[3].ToBoolean();
  std::string where = (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* list = nullptr;
  std::string service = std::to_string(port);
  int gai = getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &list);
  if (gai != 0) {
    Napi::Error error = Napi::Error::New(env, std::string("cannot resolve ") + where + ": " + gai_strerror(gai));
    error.Set("code", "ENOTFOUND");
    error.Set("syscall", "getaddrinfo");
    error.ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int result = -EADDRNOTAVAIL;
  const char* failed_call = "bind";
  for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    result = listen_on(ai, backlog, reuse_port, &failed_call);
    if (result >= 0) break;
  }
  freeaddrinfo(list);
  if (result < 0) return throw_system_error(env, failed_call, result, where);
  return describe(env, result);
}

Napi::Value ListenUnix(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber())
    return throw_type_error(env, "listenUnix(path, backlog)");
  std::string path = info[0].As<Napi::String>();
  int backlog = info[1].As<Napi::Number>().Int32Value();
  sockaddr_un addr{};
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return throw_system_error(env, "bind", -ENAMETOOLONG, "unix:" + path);

  struct stat st{};
  if (lstat(path.c_str(), &st) == 0) {
    // A socket file left by an earlier run is stale: remove it. Anything else is not ours to delete.
    if (!S_ISSOCK(st.st_mode)) return throw_system_error(env, "bind", -EEXIST, "unix:" + path + " exists and is not a socket");
    if (unlink(path.c_str()) != 0) return throw_system_error(env, "unlink", last_error(), "unix:" + path);
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return throw_system_error(env, "socket", last_error(), "unix:" + path);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path.data(), path.size());
  const char* failed_call = nullptr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) failed_call = "bind";
  else if (listen(fd, backlog) != 0) failed_call = "listen";
  if (failed_call != nullptr) {
    int err = last_error();
    close(fd);
    return throw_system_error(env, failed_call, err, "unix:" + path);
  }
  return describe(env, fd);
}

Napi::Value AdoptListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "adoptListener(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  std::string what = "fd://" + std::to_string(fd);
  struct stat st{};
  if (fstat(fd, &st) != 0) return throw_system_error(env, "fstat", last_error(), what);
  if (!S_ISSOCK(st.st_mode)) return throw_system_error(env, "fstat", -ENOTSOCK, what);
  int accepting = 0, type = 0;
  socklen_t len = sizeof accepting;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0)
    return throw_system_error(env, "getsockopt", last_error(), what);
  len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0)
    return throw_system_error(env, "getsockopt", last_error(), what);
  if (!accepting || type != SOCK_STREAM)
    return throw_system_error(env, "getsockopt", -EINVAL, what + " is not a listening stream socket");
  int fd_flags = fcntl(fd, F_GETFD);
  int fl_flags = fcntl(fd, F_GETFL);
  if (fd_flags < 0 || fl_flags < 0 || fcntl(fd, F_SETFD, fd_flags | FD_CLOEXEC) != 0 ||
      fcntl(fd, F_SETFL, fl_flags | O_NONBLOCK) != 0)
    return throw_system_error(env, "fcntl", last_error(), what);
  return describe(env, fd);
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "closeFd(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  if (close(fd) != 0 && errno != EINTR) return throw_system_error(env, "close", last_error());
  return env.Undefined();
}

}  // namespace tusk
