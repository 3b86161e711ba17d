// Internal: a list of listeners that is safe to change while it notifies (subscribing or
// unsubscribing from inside a listener), each ended by the Subscription it returned.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

#include "mfstate/runtime.hpp"

namespace mfstate::detail {

template <typename... Args>
class ListenerList {
 public:
  struct Slot {
    std::function<void(Args...)> fn;
    const void* tag = nullptr;  // what the listener may see (an app's scope), or null: everything
    bool active = true;
  };
  using SlotPtr = std::shared_ptr<Slot>;

  /// Adds a listener; the returned slot is what remove() takes.
  SlotPtr add(std::function<void(Args...)> fn, const void* tag = nullptr) {
    auto s = std::make_shared<Slot>();
    s->fn = std::move(fn);
    s->tag = tag;
    slots_.push_back(s);
    return s;
  }
  void remove(const SlotPtr& s) noexcept {
    if (!s) return;
    s->active = false;
    slots_.erase(std::remove(slots_.begin(), slots_.end(), s), slots_.end());
  }
  bool empty() const noexcept { return slots_.empty(); }
  std::size_t size() const noexcept { return slots_.size(); }
  /// The first listener (the list must not be empty); a copy of its slot keeps it alive while
  /// it is told.
  SlotPtr first() const { return slots_.front(); }
  /// A copy of the list: what to notify now (later changes do not affect this round).
  std::vector<SlotPtr> snapshot() const { return slots_; }
  void clear() noexcept {
    for (auto& s : slots_) s->active = false;
    slots_.clear();
  }

 private:
  std::vector<SlotPtr> slots_;
};

}  // namespace mfstate::detail
