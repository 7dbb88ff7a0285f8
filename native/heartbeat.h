// heartbeat.h — the worker's liveness file: created by the master, touched by the worker.
#pragma once

#include <napi.h>

namespace tusk {

// heartbeatCreate(dir) -> fd of an unlinked temporary file in dir (mode 0600)
Napi::Value HeartbeatCreate(const Napi::CallbackInfo& info);
// heartbeatNotify(fd, mode): fchmod, which changes st_ctime; called from the worker's event loop
Napi::Value HeartbeatNotify(const Napi::CallbackInfo& info);
// heartbeatCheck(fd) -> [ctimeSeconds, ctimeNanoseconds, mode]
Napi::Value HeartbeatCheck(const Napi::CallbackInfo& info);

}  // namespace tusk
