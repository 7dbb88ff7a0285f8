// heartbeat.cc — one unlinked temp file per worker (Gunicorn's WorkerTmp). The worker proves its
// event loop turns by fchmod()ing it; the master fstat()s it and only looks for st_ctime to change,
// timing the silence on its own monotonic clock, so wall-clock jumps never kill a healthy worker.
// The mode bits double as a one-way message: the worker sets a "ready" bit once it accepts.
#include "heartbeat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "errors.h"

namespace tusk {
namespace {

// O_TMPFILE makes a file that never had a name; fall back to mkstemp + unlink where unsupported.
int create_unlinked(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) return last_error();
  std::string name = dir + "/tusk-heartbeat-XXXXXX";
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return last_error();
  unlink(name.c_str());
  return fd;
}

}  // namespace

Napi::Value HeartbeatCreate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) return throw_type_error(env, "heartbeatCreate(dir)");
  std::string dir = info[0].As<Napi::String>();
  int fd = create_unlinked(dir);
  if (fd < 0) return throw_system_error(env, "open", fd, dir);
  return Napi::Number::New(env, fd);
}

Napi::Value HeartbeatNotify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    return throw_type_error(env, "heartbeatNotify(fd, mode)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
  if (fchmod(fd, mode) != 0) return throw_system_error(env, "fchmod", last_error());
  return env.Undefined();
}

Napi::Value HeartbeatCheck(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return throw_type_error(env, "heartbeatCheck(fd)");
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct stat st{};
  if (fstat(fd, &st) != 0) return throw_system_error(env, "fstat", last_error());
  Napi::Array out = Napi::Array::New(env, 3);
  out.Set(0u, Napi::Number::New(env, static_cast<double>(st.st_ctim.tv_sec)));
  out.Set(1u, Napi::Number::New(env, static_cast<double>(st.st_ctim.tv_nsec)));
  out.Set(2u, Napi::Number::New(env, st.st_mode & 07777));
  return out;
}

}  // namespace tusk
