// notify.cc — one datagram to the service manager's notification socket (sd_notify's wire format:
// "READY=1\n..." sent to the unix datagram socket named by NOTIFY_SOCKET). A name starting with '@'
// is an abstract socket. Node has no unix datagram sockets, hence this call; when to send what
// is src/systemd.ts's business.
#include "notify.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "errors.h"

namespace tusk {
namespace {

// Sends `message` to `path`; returns 0 or a negative errno.
int send_notification(const std::string& path, const std::string& message) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() < 2 || path.size() >= sizeof addr.sun_path || (path[0] != '/' && path[0] != '@')) return -EINVAL;
  memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';
  // An abstract name is exactly its bytes; a path is NUL-terminated (the struct is zeroed).
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path[0] == '@' ? 0 : 1));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return last_error();
  ssize_t sent;
  do {
    sent = sendto(fd, message.data(), message.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  int err = sent < 0 ? last_error() : 0;
  close(fd);
  return err;
}

}  // namespace

Napi::Value Notify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsString()) return throw_type_error(env, "notify(socketPath, message)");
  std::string path = info[0].As<Napi::String>();
  std::string message = info[1].As<Napi::String>();
  int err = send_notification(path, message);
  if (err != 0) return throw_system_error(env, "sendto", err, path);
  return env.Undefined();
}

}  // namespace tusk
