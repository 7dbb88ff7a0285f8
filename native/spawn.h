// spawn.h — fork + exec of a worker with its descriptors placed, nothing allocated after fork.
#pragma once

#include <napi.h>

namespace tusk {

// spawn({ file, args: string[], env: string[], fds: number[], deathSignal: number,
//         identity?: { uid, gid, groups: number[] } }) -> pid
// fds[i] becomes descriptor 3 + i in the child; every other descriptor above 2 is closed; with an
// identity the child sets its groups, gid and uid (in that order) before exec.
Napi::Value Spawn(const Napi::CallbackInfo& info);

}  // namespace tusk
