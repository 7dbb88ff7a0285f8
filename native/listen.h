// listen.h — creating and adopting listening sockets (TCP v4/v6, unix, inherited fds).
// Every descriptor made here is close-on-exec and non-blocking; spawn places the ones a worker
// needs at fixed numbers, so nothing leaks into a process by accident.
#pragma once

#include <napi.h>

namespace tusk {

// listenTcp(host, port, backlog, reusePort) -> { fd, family, address, port }
Napi::Value ListenTcp(const Napi::CallbackInfo& info);
// listenUnix(path, backlog) -> { fd, family: 'unix', path }
Napi::Value ListenUnix(const Napi::CallbackInfo& info);
// adoptListener(fd) -> { fd, family, address, port } or { fd, family: 'unix', path }
Napi::Value AdoptListener(const Napi::CallbackInfo& info);
// closeFd(fd)
Napi::Value CloseFd(const Napi::CallbackInfo& info);

}  // namespace tusk
