// spawn.h — fork + exec of a worker with its descriptors placed, nothing allocated after fork.
#pragma once

#include <napi.h>

namespace tusk {

// spawn({ file, args: string[], env: string[], fds: number[], deathSignal: number }) -> pid
// fds[i] becomes descriptor 3 + i in the child; every other descriptor above 2 is closed.
Napi::Value Spawn(const Napi::CallbackInfo& info);

}  // namespace tusk
