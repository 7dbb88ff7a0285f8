// native/http/request_ids.h — the request-id table: which Connection a request id names.
//
// Owns RequestIds: every open connection's slot, the free slots, and the ids handed to the
// application. An id is serial * kSlots + slot (a JS number holds it exactly): the slot finds the
// connection in O(1), the serial makes an id that outlived its request (a late response, an
// answer for a connection whose slot was reused) find nothing. This data belongs to the Server.
#pragma once

#include <cstdint>
#include <vector>

#include "http/connection.h"

namespace tusk::http {

class RequestIds {
 public:
  // Gives `c` a slot (c->slot).
  void Add(Connection* c) {
    if (free_slots_.empty()) {
      c->slot = static_cast<uint32_t>(slots_.size());
      slots_.push_back(c);
    } else {
      c->slot = free_slots_.back();
      free_slots_.pop_back();
      slots_[c->slot] = c;
    }
  }
  // Frees the slot of a connection about to be deleted.
  void Remove(const Connection* c) {
    slots_[c->slot] = nullptr;
    free_slots_.push_back(c->slot);
  }
  // A new id for the request just parsed on `c`.
  double Issue(const Connection* c) { return static_cast<double>(++serial_) * kSlots + c->slot; }
  // The connection serving request `id`; null when that request is gone (answered, aborted,
  // closing) or the id was never issued.
  Connection* Find(double id) const {
    if (id <= 0) return nullptr;
    double slot = id - static_cast<double>(static_cast<uint64_t>(id / kSlots)) * kSlots;
    size_t index = static_cast<size_t>(slot);
    if (index >= slots_.size()) return nullptr;
    Connection* c = slots_[index];
    if (c == nullptr || c->closing() || c->request_id != id) return nullptr;
    return c;
  }
  // Every slot, null where free (for the timers' sweep and teardown).
  const std::vector<Connection*>& slots() const { return slots_; }

 private:
  static constexpr double kSlots = 1048576.0;
  std::vector<Connection*> slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t serial_ = 0;
};

}  // namespace tusk::http
