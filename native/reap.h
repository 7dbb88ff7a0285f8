// reap.h — waitpid on the pids the master forked, never on "any child".
#pragma once

#include <napi.h>

namespace tusk {

// reap(pid) -> null while it runs, else { pid, code, signal } (code null when killed by a signal)
Napi::Value Reap(const Napi::CallbackInfo& info);
// peekExited() -> the pid of some child that has exited and is not yet collected, else 0; the
// child stays a zombie until reap(pid) collects it
Napi::Value PeekExited(const Napi::CallbackInfo& info);
// parentPid() -> getppid(), for the worker's "is my master still there" check
Napi::Value ParentPid(const Napi::CallbackInfo& info);

}  // namespace tusk
