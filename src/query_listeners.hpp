// Internal: a list of listeners that is safe to change while it notifies (subscribing or
// unsubscribing from inside a listener), each ended by the Subscription it returned.
#pragma once

#include <boost/container/small_vector.hpp>

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
  /// Ends a listener in O(1) amortized: it is marked, and the list drops its ended slots once
  /// they outnumber the live ones. Searching and shifting the list per removal made ending n
  /// listeners O(n^2): an app's 65,536 cache listeners took ~4 s to end at its unmount.
  void remove(const SlotPtr& s) noexcept {
    if (!s || !s->active) return;  // ended already (removed, or cleared)
    s->active = false;
    ++ended_;
    if (ended_ * 2 > slots_.size()) {
      slots_.erase(std::remove_if(slots_.begin(), slots_.end(), [](const SlotPtr& p) { return !p->active; }),
                   slots_.end());
      ended_ = 0;
    }
  }
  bool empty() const noexcept { return size() == 0; }
  std::size_t size() const noexcept { return slots_.size() - ended_; }
  /// The first live listener (the list must not be empty); a copy of its slot keeps it alive
  /// while it is told.
  SlotPtr first() const {
    return *std::find_if(slots_.begin(), slots_.end(), [](const SlotPtr& p) { return p->active; });
  }
  /// A copy of the live listeners: what to notify now (later changes do not affect this round).
  std::vector<SlotPtr> snapshot() const {
    if (ended_ == 0) return std::vector<SlotPtr>(slots_.begin(), slots_.end());
    std::vector<SlotPtr> live;
    live.reserve(size());
    for (const SlotPtr& p : slots_) {
      if (p->active) live.push_back(p);
    }
    return live;
  }
  void clear() noexcept {
    for (auto& s : slots_) s->active = false;
    slots_.clear();
    ended_ = 0;
  }

 private:
  // In the order added; may hold ended slots (ended_ of them). The first inline: most lists (an
  // observer's) hold one listener, read at every notification (W4 tells 10^4 observers, and the
  // block of a one-slot vector was a cache miss of its own for each).
  boost::container::small_vector<SlotPtr, 1> slots_;
  std::size_t ended_ = 0;
};

}  // namespace mfstate::detail
