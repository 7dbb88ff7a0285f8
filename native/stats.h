// stats.h — the stats block's N-API face: mapping a worker's stats file, and its layout.
#pragma once

#include <napi.h>

namespace tusk {

// statsMap(fd, bytes) -> ArrayBuffer over mmap(MAP_SHARED) of the file; unmapped when collected
Napi::Value StatsMap(const Napi::CallbackInfo& info);
// statsLayout() -> { slots: { name: index }, statusBase, bucketBase, bounds, engineSlots }
Napi::Value StatsLayout(const Napi::CallbackInfo& info);

}  // namespace tusk
