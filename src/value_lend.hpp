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
//
// Inside a transaction the store's state is also held by the transaction's record of it (its
// snapshot, transactions.hpp). That record is lent the same way: the lending does not count it as
// an owner, and what the reducer replaced passes, when it ends, to the record's MemberUndo, which
// then describes the recorded state as "this node, with these members put back".
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "mfstate/value.hpp"

namespace mfstate::detail {

/// The first values of up to `capacity` members of one object node, replaced in place, and the
/// node's hash and depth from before the first of them: what puts the node back as it was. No
/// allocation, so recording can neither fail nor grow; a caller with more to record copies the
/// node instead.
class MemberUndo {
 public:
  // Enough for a reducer that sets a few members of its root.
  static constexpr std::uint32_t capacity = 4;

  MemberUndo() noexcept {}
  MemberUndo(MemberUndo&& other) noexcept : hash_(other.hash_), depth_(other.depth_) {
    for (Entry *from = other.entries(), *const end = from + other.count_; from != end; ++from) {
      new (entries() + count_++) Entry{from->pos, std::move(from->old)};
    }
    other.clear();
  }
  MemberUndo& operator=(MemberUndo&&) = delete;
  ~MemberUndo() { clear(); }

  bool empty() const noexcept { return count_ == 0; }
  std::uint32_t size() const noexcept { return count_; }
  /// Whether member `pos`'s first value is recorded.
  bool has(std::uint32_t pos) const noexcept {
    const Entry* e = entries();
    for (std::uint32_t i = 0; i != count_; ++i) {
      if (e[i].pos == pos) return true;
    }
    return false;
  }
  /// The node's hash and depth before anything is recorded: what put_back gives it again.
  void keep_shape(const ObjectNode& node) noexcept {
    hash_ = node.hash;
    depth_ = node.depth;
  }
  /// Records member `pos`'s value, taking it from `slot`: the caller has checked !has(pos) and
  /// size() < capacity.
  void add(std::uint32_t pos, Value& slot) noexcept {
    new (entries() + count_) Entry{pos, std::move(slot)};
    ++count_;
  }
  /// Takes what `later` recorded on the same node, after this: a member recorded here already
  /// keeps its first value, the shape is this one's (later's when this is empty). The caller has
  /// checked that size() + later.size() <= capacity. Leaves `later` empty. Inline when this is
  /// empty (a transaction's first lending of the store: every broadcast target's).
  void absorb(MemberUndo& later) noexcept {
    if (count_ != 0) {
      merge(later);
      return;
    }
    hash_ = later.hash_;
    depth_ = later.depth_;
    Entry* const from = later.entries();
    for (std::uint32_t i = 0; i != later.count_; ++i)
      new (entries() + i) Entry{from[i].pos, std::move(from[i].old)};
    // Moved from, `later`'s values are null: nothing for their destructors to do.
    count_ = later.count_;
    later.count_ = 0;
  }
  /// Puts the recorded values back into `node` (the node they were taken from), with its hash
  /// and depth, and forgets them.
  void put_back(ObjectNode& node) noexcept;
  /// The same into a copy of that node, keeping the record (the node it was taken from keeps
  /// what it holds now). The copy's hash is recomputed when asked for.
  void copy_into(ObjectNode& copy) const noexcept;
  void clear() noexcept {
    for (Entry *e = entries(), *const end = e + count_; e != end; ++e) e->~Entry();
    count_ = 0;
  }

 private:
  struct Entry {
    std::uint32_t pos;
    Value old;
  };
  Entry* entries() noexcept { return std::launder(reinterpret_cast<Entry*>(storage_)); }
  const Entry* entries() const noexcept { return std::launder(reinterpret_cast<const Entry*>(storage_)); }
  void merge(MemberUndo& later) noexcept;

  std::uint64_t hash_ = 0;
  std::uint32_t depth_ = 0;
  std::uint32_t count_ = 0;
  // Raw: a record nobody writes into costs no constructor nor destructor per entry.
  alignas(Entry) unsigned char storage_[capacity * sizeof(Entry)];
};

/// Makes `recorded` (a handle on the node `undo` was recorded on) the state `undo` describes.
/// In place when nobody but `recorded` — and the holder whose state it is, when
/// `holder_has_it` — holds the node, so that holder sees the same node; otherwise the node keeps
/// what its other holders saw and `recorded` gets a copy with the old members. Without memory
/// for that copy the record's guarantee wins: the node is put back in place.
void restore_recorded(Value& recorded, MemberUndo& undo, bool holder_has_it) noexcept;

class LentRoot {
 public:
  /// Added to the lent node's count while it is lent. Every test of a count (`refs == 1`: "write
  /// in place") sees it shared, so only replace_member writes into it; the count cannot reach 0,
  /// so the node is not freed (its address not reused) while lent; and Value::set tells the lent
  /// root from any other node by one compare of the count it has loaded anyway.
  static constexpr std::uint32_t lent_bias = 1u << 31;
  /// The lent root's count when only the store (and the transaction's record) and the caller of
  /// `set` hold it.
  static constexpr std::uint32_t lent_by_one = lent_bias + 2;

  /// Lends `holder` (the store's state: an object nobody else holds) until finish() or the
  /// destructor. Inline, as finish and the destructor are: they run on every dispatch of such a
  /// reducer.
  explicit LentRoot(Value& holder) noexcept : LentRoot(holder, lent_bias, MemberUndo::capacity) {}
  /// Lends `holder`, whose node a transaction's record (its MemberUndo) also holds, and nobody
  /// else: the record is not counted as an owner while lent, and at most `record_room` members
  /// (what the record can still take) are replaced in place. After finish() or restore(),
  /// replaced() has what the record must absorb: the record is not reached from here, as it may
  /// move while the reducer runs (a dispatch to another store grows the transaction's records).
  LentRoot(Value& holder, std::uint32_t record_room) noexcept
      : LentRoot(holder, lent_bias - 1, record_room) {}
  ~LentRoot() {
    finish();
    replaced_.clear();
  }
  LentRoot(const LentRoot&) = delete;
  LentRoot& operator=(const LentRoot&) = delete;

  /// Whether a member was replaced in place and not put back (the reducer may return the very
  /// node, changed). Ask before replaced() is handed over.
  bool replaced_any() const noexcept { return !replaced_.empty(); }
  /// The first values of the members replaced in place and not put back (for a transaction's
  /// record).
  MemberUndo& replaced() noexcept { return replaced_; }
  /// Ends the lending: nothing more is recorded, and the node's count is its owners' again (the
  /// node is freed if they have all gone).
  void finish() noexcept {
    if (node_ == nullptr) return;
    active_ = outer_;
    if ((node_->refs -= bias_) == 0) destroy(Type::object, node_);
    node_ = nullptr;
  }
  /// After the reducer threw: the holder's content as it was lent, then finish(). In place when
  /// the holder (and the record) are the node's only owners, so readers of the holder see the
  /// same node; when a handle on the changed node escaped the reducer (kept somewhere, or carried
  /// by the exception), that handle's value must not change, so the holder gets a copy with the
  /// old members instead (and replaced() keeps what was replaced, for a record of that node).
  void restore() noexcept;

  /// Value::set's hook, for a node whose count is lent_by_one: when it is the innermost active
  /// lending's root, replaces member `pos` by `v` in place (recording the old value) and returns
  /// true. `depth` is the node's depth with `v` in it. False leaves everything as it was (the
  /// caller copies the node).
  /// Inline: Value::set calls it on every in-place update of a lent root.
  static bool replace_member(ObjectNode& node, std::uint32_t pos, Value& v, std::uint32_t depth) noexcept {
    // Its count says: lent, held by the caller and one other (besides a transaction's record, not
    // counted). That other must be the holder (a reducer may have replaced the store's state
    // meanwhile; then the node is no longer what a throw would put back), and the node the
    // innermost lending's (an outer store's root, lent while this reducer runs inside its
    // reducer, is copied).
    LentRoot* const lend = active_;
    if (lend == nullptr || lend->node_ != &node || lend->holder_->node() != &node) return false;
    Value& slot = node.members()[pos].value;
    // The first value a member had is what a throw puts back; a later set of it records nothing.
    if (!lend->replaced_.has(pos)) {
      if (lend->replaced_.size() == lend->limit_) return false;
      lend->replaced_.add(pos, slot);
    }
    slot = std::move(v);
    node.hash = 0;
    // Compared at the field's width (`depth` was checked against max_nesting, so it fits).
    const auto raised = static_cast<decltype(node.depth)>(depth);
    if (raised > node.depth) node.depth = raised;
    return true;
  }

 private:
  LentRoot(Value& holder, std::uint32_t bias, std::uint32_t limit) noexcept
      : holder_(&holder),
        // The node is the store's own: it is written only through replace_member and restore.
        node_(const_cast<ObjectNode*>(static_cast<const ObjectNode*>(holder.node()))),
        outer_(active_),
        bias_(bias),
        limit_(limit) {
    replaced_.keep_shape(*node_);
    node_->refs += bias_;
    active_ = this;
  }

  // The innermost active lending of this thread (the runtime is single-threaded; a Value crosses
  // threads only by hand-over, never while a reducer runs on it). constinit: read without a
  // thread-local wrapper call.
  static thread_local constinit LentRoot* active_;

  Value* holder_;
  ObjectNode* node_;     // null once finished
  LentRoot* outer_;      // the lending this one interrupted (a reducer dispatching to another store)
  std::uint32_t bias_;   // lent_bias, less the record's reference when there is one
  std::uint32_t limit_;  // members that may be replaced in place
  MemberUndo replaced_;
};

}  // namespace mfstate::detail
