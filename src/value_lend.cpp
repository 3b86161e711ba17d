#include "value_lend.hpp"

#include <algorithm>
#include <utility>

#include "value_node.hpp"

namespace mfstate::detail {

thread_local constinit LentRoot* LentRoot::active_ = nullptr;

bool LentRoot::replace_member(ObjectNode& node, std::uint32_t pos, Value& v, std::uint32_t depth) noexcept {
  // Its count says: lent, held by the caller and one other. That other must be the holder (a
  // reducer may have replaced the store's state meanwhile; then the node is no longer what a
  // throw would put back), and the node the innermost lending's (an outer store's root, lent
  // while this reducer runs inside its reducer, is copied).
  LentRoot* const lend = active_;
  if (lend == nullptr || lend->node_ != &node || lend->holder_->node() != &node) return false;
  Replaced* const r = lend->replaced();
  // The first value a member had is what a throw puts back; a later set of it records nothing.
  std::uint32_t i = 0;
  while (i != lend->count_ && r[i].pos != pos) ++i;
  Value& slot = node.members()[pos].value;
  if (i == lend->count_) {
    if (i == capacity) return false;
    new (r + i) Replaced{pos, std::move(slot)};
    lend->count_ = i + 1;
  }
  slot = std::move(v);
  node.hash = 0;
  node.depth = std::max(node.depth, depth);
  return true;
}

void LentRoot::undo_into(ObjectNode& node) noexcept {
  Replaced* const r = replaced();
  for (std::uint32_t i = 0; i < count_; ++i) node.members()[r[i].pos].value = std::move(r[i].old);
}

void LentRoot::restore() noexcept {
  if (count_ != 0 && holder_->node() == node_) {  // else nothing written, or no longer the state
    if (node_->refs == lent_bias + 1) {
      undo_into(*node_);
      node_->hash = hash_;
      node_->depth = depth_;
    } else {
      // A handle on the changed node outlives the reducer: it keeps what it saw, and the holder
      // gets a copy of the node with the old members (and its old depth; the hash is recomputed).
      // Without memory for that copy, the store's guarantee wins: the node is put back in place.
      try {
        Value fresh = *holder_;
        ObjectNode& copy = ValueAccess::mutable_object(fresh);
        undo_into(copy);
        copy.depth = depth_;
        *holder_ = std::move(fresh);
      } catch (...) {
        undo_into(*node_);
        node_->hash = hash_;
        node_->depth = depth_;
      }
    }
  }
  finish();
  release_replaced();
}

}  // namespace mfstate::detail
