// spawn.h — fork + exec of a worker with its descriptors placed, nothing allocated after fork.
#pragma once

#include <napi.h>

namespace tusk {

// spawn({ file, args: string[], env: string[], fds: number[], deathSignal: number,
//         identity?: { uid, gid, groups: number[] }, stdout?: number, stderr?: number }) -> pid
// fds[i] becomes descriptor 3 + i in the child; every other descriptor above 2 is closed; with an
// identity the child sets its groups, gid and uid (in that order) before exec. stdout and stderr,
// when given, become the child's 1 and 2 (capture_output); else it shares the master's.
Napi::Value Spawn(const Napi::CallbackInfo& info);
// redirectFd(from, to): dup2, for a running worker that moves its stdout/stderr onto a reopened log.
Napi::Value RedirectFd(const Napi::CallbackInfo& info);

}  // namespace tusk
