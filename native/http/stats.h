// native/http/stats.h — the engine's figures: the counters and gauges one worker's engine keeps
// in its stats block (a shared-memory file the master maps too; native/stats.cc maps it). Every
// slot is a double (exact to 2^53) so that JavaScript reads and writes the same block through a
// Float64Array. The block is written by the worker's event-loop thread only; the master reads it
// at any time and may see a figure one request old, never a torn one (aligned 8-byte stores).
// The layout below is the one definition: stats.cc exports it to TypeScript (src/stats.ts).
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>

namespace tusk::http {

enum StatSlot : uint32_t {
  kRequests = 0,         // responses completed (by the engine, or by JavaScript for node apps)
  kBytesIn,              // bytes read from clients
  kBytesOut,             // bytes written to clients
  kConnectionsTotal,     // connections accepted
  kConnectionsOpen,      // gauge
  kInFlight,             // gauge: requests handed to the application and not yet answered
  kAborted,              // requests whose connection closed (or was destroyed) before the response ended
  kDurationSum,          // seconds, summed over kRequests
  kStatusOther,          // responses with a status outside 100..599
  kLoopLagP50,           // seconds, over the last interval (written by JavaScript)
  kLoopLagP99,
  kHeaderSlots = 16,     // reserved up to here
  kStatusBase = kHeaderSlots,           // one slot per status code 100..599
  kBucketBase = kStatusBase + 500,      // one per duration bound, then +Inf (not cumulative)
};

// Upper bounds of the request duration buckets, in seconds (Prometheus' defaults, plus 1 ms).
constexpr double kDurationBounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr size_t kDurationBuckets = sizeof(kDurationBounds) / sizeof(kDurationBounds[0]) + 1;
// The engine's part of the block; what follows it belongs to JavaScript (the app's own metrics).
constexpr size_t kEngineSlots = kBucketBase + kDurationBuckets;

class Stats {
 public:
  // `slots` is the mapped block, or null for a private one (an engine outside a master).
  explicit Stats(double* slots) : s_(slots != nullptr ? slots : own_) {}
  Stats(const Stats&) = delete;
  Stats& operator=(const Stats&) = delete;

  void Add(StatSlot slot, double n) { s_[slot] += n; }
  void Set(StatSlot slot, double v) { s_[slot] = v; }

  // A request handed to the application; returns its start time for Answered.
  uint64_t Begin() {
    s_[kInFlight] += 1;
    return uv_hrtime();
  }
  // A request answered with `status`; `started` is Begin's value, 0 for one never handed over.
  void Answered(uint16_t status, uint64_t started) {
    double seconds = 0;
    if (started != 0) {
      s_[kInFlight] -= 1;
      seconds = static_cast<double>(uv_hrtime() - started) / 1e9;
    }
    s_[kRequests] += 1;
    s_[status >= 100 && status <= 599 ? kStatusBase + (status - 100) : kStatusOther] += 1;
    s_[kDurationSum] += seconds;
    size_t b = 0;
    while (b < kDurationBuckets - 1 && seconds > kDurationBounds[b]) b++;
    s_[kBucketBase + b] += 1;
  }
  // A request that ended without a response.
  void Aborted() {
    s_[kInFlight] -= 1;
    s_[kAborted] += 1;
  }

 private:
  double* s_;
  double own_[kEngineSlots] = {};
};

}  // namespace tusk::http
