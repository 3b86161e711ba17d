// Internal: a store's object state lent to a reducer that may throw, updated in place and put
// back as it was if the reducer throws.
//
// A reducer that is not noexcept used to receive a shared state (the store kept its reference so
// that a throw left the state unchanged), so its `std::move(state).set("count", n + 1)` copied the
// root object and the store then freed the old one — most of a small dispatch's cost. While a
// LentRoot is active, `set` of an existing member of the lent root, called on an rvalue held only
// by the caller (besides the store), replaces the member in place and records the value it
// replaced; if the reducer throws, the store puts those values back. Every other update of the
// lent root (a new member, erase, set_in, a second handle on it) sees a shared node and copies, as
// before: only the one recorded path writes into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "mfstate/value.hpp"

namespace mfstate::detail {

class LentRoot {
 public:
  /// Added to the lent node's count while it is lent. Every test of a count (`refs == 1`: "write
  /// in place") sees it shared, so only replace_member writes into it; the count cannot reach 0,
  /// so the node is not freed (its address not reused) while lent; and Value::set tells the lent
  /// root from any other node by one compare of the count it has loaded anyway.
  static constexpr std::uint32_t lent_bias = 1u << 31;
  /// The lent root's count when only the store and the caller of `set` hold it.
  static constexpr std::uint32_t lent_by_one = lent_bias + 2;

  /// Lends `holder` (the store's state: an object nobody else holds) until finish() or the
  /// destructor. Inline, as finish and the destructor are: they run on every dispatch of such a
  /// reducer.
  explicit LentRoot(Value& holder) noexcept
      : holder_(&holder),
        // The node is the store's own: it is written only through replace_member and restore.
        node_(const_cast<ObjectNode*>(static_cast<const ObjectNode*>(holder.node()))),
        hash_(node_->hash),
        depth_(node_->depth),
        outer_(active_) {
    node_->refs += lent_bias;
    active_ = this;
  }
  ~LentRoot() {
    finish();
    if (count_ != 0) release_replaced();
  }
  LentRoot(const LentRoot&) = delete;
  LentRoot& operator=(const LentRoot&) = delete;

  /// Whether a member was replaced in place (the reducer may return the very node, changed).
  bool replaced_any() const noexcept { return count_ != 0; }
  /// Ends the lending: nothing more is recorded, and the node's count is its owners' again (the
  /// node is freed if they have all gone).
  void finish() noexcept {
    if (node_ == nullptr) return;
    active_ = outer_;
    if ((node_->refs -= lent_bias) == 0) destroy(Type::object, node_);
    node_ = nullptr;
  }
  /// After the reducer threw: the holder's content as it was lent, then finish(). In place when
  /// the holder is the node's only owner, so readers of the holder see the same node; when a
  /// handle on the changed node escaped the reducer (kept somewhere, or carried by the
  /// exception), that handle's value must not change, so the holder gets a copy with the old
  /// members instead.
  void restore() noexcept;

  /// Value::set's hook, for a node whose count is lent_by_one: when it is the innermost active
  /// lending's root, replaces member `pos` by `v` in place (recording the old value) and returns
  /// true. `depth` is the node's depth with `v` in it. False leaves everything as it was (the
  /// caller copies the node).
  static bool replace_member(ObjectNode& node, std::uint32_t pos, Value& v, std::uint32_t depth) noexcept;

 private:
  // Enough for a reducer that sets a few members of its root; one that sets more gets the copy.
  // No allocation, so the record can neither fail nor grow.
  static constexpr std::uint32_t capacity = 4;
  struct Replaced {
    std::uint32_t pos;
    Value old;
  };

  Replaced* replaced() noexcept { return std::launder(reinterpret_cast<Replaced*>(storage_)); }
  void release_replaced() noexcept {
    for (Replaced *r = replaced(), *const end = r + count_; r != end; ++r) r->~Replaced();
    count_ = 0;
  }
  void undo_into(ObjectNode& node) noexcept;

  // The innermost active lending of this thread (the runtime is single-threaded; a Value crosses
  // threads only by hand-over, never while a reducer runs on it). constinit: read without a
  // thread-local wrapper call.
  static thread_local constinit LentRoot* active_;

  Value* holder_;
  ObjectNode* node_;  // null once finished
  std::uint64_t hash_;
  std::uint32_t depth_;
  std::uint32_t count_ = 0;
  LentRoot* outer_;  // the lending this one interrupted (a reducer dispatching to another store)
  alignas(Replaced) unsigned char storage_[capacity * sizeof(Replaced)];
};

}  // namespace mfstate::detail
