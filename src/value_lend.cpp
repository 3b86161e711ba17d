#include "value_lend.hpp"

#include <algorithm>
#include <utility>

#include "value_node.hpp"

namespace mfstate::detail {

thread_local constinit LentRoot* LentRoot::active_ = nullptr;

void MemberUndo::merge(MemberUndo& later) noexcept {
  for (Entry *e = later.entries(), *const end = e + later.count_; e != end; ++e) {
    if (!has(e->pos)) add(e->pos, e->old);
  }
  later.clear();
}

void MemberUndo::put_back(ObjectNode& node) noexcept {
  for (Entry *e = entries(), *const end = e + count_; e != end; ++e)
    node.members()[e->pos].value = std::move(e->old);
  node.hash = hash_;
  node.depth = depth_;
  clear();
}

void MemberUndo::copy_into(ObjectNode& copy) const noexcept {
  for (const Entry *e = entries(), *const end = e + count_; e != end; ++e)
    copy.members()[e->pos].value = e->old;
  copy.depth = depth_;
}

void restore_recorded(Value& recorded, MemberUndo& undo, bool holder_has_it) noexcept {
  if (undo.empty()) return;
  auto* const node = const_cast<ObjectNode*>(static_cast<const ObjectNode*>(recorded.node()));
  if (node->refs == (holder_has_it ? 2u : 1u)) {
    undo.put_back(*node);
    return;
  }
  try {
    Value fresh = recorded;
    undo.copy_into(ValueAccess::mutable_object(fresh));
    recorded = std::move(fresh);
    undo.clear();
  } catch (...) {
    undo.put_back(*node);
  }
}

void LentRoot::restore() noexcept {
  if (!replaced_.empty() && holder_->node() == node_) {  // else nothing written, or no longer the state
    // The holder alone (and the record, which bias_ does not count): lent_bias + 1.
    if (node_->refs == lent_bias + 1) {
      replaced_.put_back(*node_);
    } else {
      // A handle on the changed node outlives the reducer: it keeps what it saw, and the holder
      // gets a copy of the node with the old members (and its old depth; the hash is recomputed).
      // replaced_ keeps the old values: a transaction's record of the node takes them.
      // Without memory for that copy, the store's guarantee wins: the node is put back in place.
      try {
        Value fresh = *holder_;
        replaced_.copy_into(ValueAccess::mutable_object(fresh));
        *holder_ = std::move(fresh);
      } catch (...) {
        replaced_.put_back(*node_);
      }
    }
  }
  finish();
}

}  // namespace mfstate::detail
