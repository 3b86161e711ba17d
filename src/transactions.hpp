// Internal: the runtime's transactions — batching with rollback. Not reachable from any public
// header: only the runtime, the Store and the Host drive them.
//
// A transaction is a frame on its batcher: a batch (notifications wait for the end) plus what is
// needed to undo it. Each store that reduces inside the frame records its state once (an O(1)
// snapshot: values are immutable; an object state nobody else holds is then still updated in
// place, and the record keeps the replaced members' first values, value_lend.hpp); notifications
// the frame queued for what it may undo (store changes, bus messages) are tagged with the frame,
// and so are the dispatches a busy store queued inside it (a reducer, middleware or subscriber
// dispatching to its own store; each such store is listed in the frame). Rolling back restores
// the recorded stores and drops exactly those tagged notifications and dispatches — never one
// queued before the frame opened, never one of a mechanism the frame does not undo (the query
// cache, export syncs, replays).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"
#include "value_lend.hpp"

namespace mfstate::detail {

/// What a transaction can put back: a Store. The frame holds it (tx_hold) while it keeps its
/// snapshot, so the store may be destroyed meanwhile without the frame pointing at freed memory.
class Restorable {
 public:
  virtual void tx_hold() noexcept = 0;
  virtual void tx_release() noexcept = 0;
  /// Puts back the state and the "notification queued" flag recorded when the frame first saw it
  /// (the frame's queued notifications have already been dropped).
  virtual void tx_restore(const Value& state, bool notify_queued) noexcept = 0;
  /// Whether its state now is `state` (the same node): a record with member undo then puts the
  /// node back in place, where one held by others gets a copy. False is always safe.
  virtual bool tx_holds(const Value& state) const noexcept {
    (void)state;
    return false;
  }
  /// Drops the dispatches it queued (while busy, tx_tag_queued) inside the frame `serial` or one
  /// nested in it: those tagged `serial` or larger. The frame rolls back. (Only what queues has
  /// anything to drop.)
  virtual void tx_drop_queued(std::uint64_t serial) noexcept { (void)serial; }
  /// Untags every dispatch it has queued: the outermost frame committed, and the serials start
  /// again at 1 (a later frame must not take these for its own).
  virtual void tx_keep_queued() noexcept {}

 protected:
  ~Restorable() = default;
};

/// What a frame recorded of one store: its state when the frame first saw it is `state` with the
/// members in `undo` put back. `undo` is empty unless the store, holding the state's node with
/// this record alone, was lent it (Store's reduce): then the node is updated in place and `undo`
/// keeps each replaced member's first value.
struct TxSnapshot {
  Restorable* who;
  Value state;
  bool notify_queued;
  MemberUndo undo;
};

struct TxFrame {
  std::uint64_t serial = 0;  // tags the notifications queued inside (nested frames: larger)
  std::size_t mark = 0;      // the batcher's queue length when the frame opened
  std::vector<TxSnapshot> snaps;
  // The stores that queued a dispatch inside the frame (or a committed frame nested in it), each
  // held (tx_hold) until the frame ends: a rollback has them drop those dispatches.
  std::vector<Restorable*> queued;
};

struct TxStack {
  // frames[0, depth) are open, innermost last; the others keep their capacity for the next ones,
  // so a transaction in the steady state allocates nothing.
  std::vector<TxFrame> frames;
  std::size_t depth = 0;
  std::uint64_t next_serial = 1;  // 64 bits: never wraps, however many frames nest in one
};

/// The Batcher's private side, for the functions below.
struct BatcherAccess {
  static TxStack* tx(const Batcher& b) noexcept { return b.tx_.get(); }
  static TxStack& tx_or_create(Batcher& b);
  static std::size_t queued(const Batcher& b) noexcept { return b.queue_.size(); }
  static void enqueue(Batcher& b, std::function<void()>&& fn, std::uint64_t frame) {
    b.enqueue(std::move(fn), frame);
  }
  static void enqueue_plain(Batcher& b, void (*plain)(void*), void* arg, void (*drop)(void*),
                            std::uint64_t frame) {
    b.enqueue_plain(plain, arg, drop, frame);
  }
  /// Promises room in `b`'s queue for one more job (a store's change notification, queued after
  /// its reducer ran): taken before the reducer runs, where running out of memory changes nothing,
  /// and kept from every other job queued meanwhile (the reducer's own notifications, another
  /// store's change), which grows the queue instead. The test inline (every reduce comes here),
  /// the growth out of line. Given back by unpromise_job, before the promised job is queued.
  static void promise_job(Batcher& b) {
    if (b.queue_.size() + b.promised_ >= b.queue_.capacity()) [[unlikely]] {
      grow_queue(b);
    }
    ++b.promised_;
  }
  static void unpromise_job(Batcher& b) noexcept { --b.promised_; }
  /// Queues `plain(arg)`, tagged `frame`, into the room promised to it (promise_job), giving the
  /// promise up: no room to test, no growth, so nothing can fail. Inline: a store's change inside
  /// an outer batch or a transaction (every broadcast target's) comes here, where
  /// Batcher::enqueue_plain, a call, tested the capacity again.
  static void enqueue_promised(Batcher& b, void (*plain)(void*), void* arg, std::uint64_t frame) noexcept {
    --b.promised_;
    // The promise kept capacity >= size + promised_ + 1: said here, it lets emplace_back drop its
    // growth (as in enqueue_plain).
    if (b.queue_.size() == b.queue_.capacity()) __builtin_unreachable();
    Batcher::Job& job = b.queue_.emplace_back();  // in place: no std::function to move in
    job.plain = plain;
    job.drop = nullptr;
    job.arg = arg;
    job.frame = frame;
    if (b.depth_ == 0 && !b.flushing_) [[unlikely]]
      flush_now(b);  // no batch open (one was ended by hand): runs at once, as enqueue_plain does
  }
  /// Ends a batch the caller began: inline when another is still open around it (a store's
  /// dispatch inside a transaction or an outer batch: every broadcast target's), where ending it
  /// only counts down; the outermost's end (the flush) is Batcher::end_batch's.
  static void end_own_batch(Batcher& b) {
    if (b.depth_ > 1) [[likely]] {
      --b.depth_;
      return;
    }
    b.end_batch();
  }
  /// Whether a job queued now would be the first the outermost batch runs when it closes: one
  /// batch open (the caller's own: a store reducing inside its dispatch), not flushing, nothing
  /// queued, no transaction. Such a job need not be queued: its owner may hold it, in the room
  /// promised to it, and run it itself when it closes that batch (start_flush_ahead), where the
  /// flush would have run it first (a store's change notification, when the store's own dispatch
  /// is the only thing going on: W1's every dispatch).
  static bool would_run_first(const Batcher& b) noexcept {
    return b.depth_ == 1 && !b.flushing_ && b.queue_.empty() && (b.tx_ == nullptr || b.tx_->depth == 0);
  }
  /// Ends the caller's batch, the outermost, as a flush that runs the job held (would_run_first)
  /// first: the caller runs it between this and finish_flush_ahead (reporting its failure through
  /// report_notification_error), and the queue, what was queued after it, then follows. Gives
  /// back the room promised to the job. False when a batch is still open around the caller's (one
  /// begun by hand inside its action and left open): then nothing changed but the room, and the
  /// caller queues its job and ends its batch as end_batch does (end_batch_queueing).
  static bool start_flush_ahead(Batcher& b) noexcept {
    --b.promised_;
    if (b.depth_ != 1 || b.flushing_) [[unlikely]]
      return false;
    b.depth_ = 0;
    b.flushing_ = true;
    return true;
  }
  static void finish_flush_ahead(Batcher& b) noexcept {
    if (!b.queue_.empty()) {
      b.run_queue();
    } else {
      b.flushing_ = false;
    }
    if (b.parked_) [[unlikely]]
      b.release_parked();  // last: may destroy the batcher
  }
  /// Inside the catch block of a job run ahead: reports it as a flush reports a throwing job.
  static void report_notification_error(Batcher& b) noexcept;
  /// Queues `plain(arg)` in the room that was promised to it and ends the caller's batch.
  static void end_batch_queueing(Batcher& b, void (*plain)(void*), void* arg);
  static void grow_queue(Batcher& b);
  /// enqueue_promised's rare case, out of line: flushes (and releases what is parked) when idle.
  static void flush_now(Batcher& b) noexcept;
  static void drop_tagged_since(Batcher& b, std::size_t mark, std::uint64_t serial) noexcept;
  static void park(Batcher& b, std::shared_ptr<void> owner) noexcept { b.parked_ = std::move(owner); }
};

/// The room a store's change notification is promised while its reducer runs (promise_job), given
/// back when the scope ends, or by release(), just before the notification is queued into it.
class JobRoom {
 public:
  explicit JobRoom(Batcher& b) : b_(&b) { BatcherAccess::promise_job(b); }
  ~JobRoom() { release(); }
  JobRoom(const JobRoom&) = delete;
  JobRoom& operator=(const JobRoom&) = delete;
  void release() noexcept {
    if (b_ == nullptr) return;
    BatcherAccess::unpromise_job(*b_);
    b_ = nullptr;
  }
  /// Keeps the promise past the scope: whoever holds the job now gives it back
  /// (start_flush_ahead).
  void keep() noexcept { b_ = nullptr; }
  /// Queues the job, `plain(arg)`, into the room, as notify_undoable would (a rollback of the
  /// transaction open now drops it unrun; `arg`'s owner gives back what it holds): the promise is
  /// the job's now.
  void queue(void (*plain)(void*), void* arg) noexcept;

 private:
  Batcher* b_;
};

/// True while a transaction is open on `b`. O(1).
inline bool tx_active(const Batcher& b) noexcept {
  const TxStack* t = BatcherAccess::tx(b);
  return t != nullptr && t->depth > 0;
}

/// The tag of a notification queued now: the innermost open frame's serial (its rollback drops
/// it), 0 outside a transaction (nothing drops it).
inline std::uint64_t tx_serial(const Batcher& b) noexcept {
  const TxStack* t = BatcherAccess::tx(b);
  return t != nullptr && t->depth > 0 ? t->frames[t->depth - 1].serial : 0;
}

inline void JobRoom::queue(void (*plain)(void*), void* arg) noexcept {
  BatcherAccess::enqueue_promised(*b_, plain, arg, tx_serial(*b_));
  b_ = nullptr;
}

/// Opens a transaction (a frame and a batch) on `b`. Allocates only the first time a frame of
/// this depth is opened.
void tx_begin(Batcher& b);
/// Closes the innermost transaction keeping what it did: its snapshots pass to the enclosing
/// one (which can still undo them), and the outermost one flushes. Passing them on takes no
/// memory: the room the enclosing frames need was taken as the records were made (tx_enlist,
/// tx_tag_queued), so nothing here can fail half-way.
void tx_commit(Batcher& b) noexcept;
/// Closes the innermost transaction undoing it: drops the notifications it queued for what it
/// undoes, restores every store it recorded (newest first), then ends its batch.
void tx_rollback(Batcher& b) noexcept;
/// Inside nested frames, before the innermost one records one more store: room for it in that
/// frame and, in each enclosing frame, for every record of the frames inside it (what their
/// commits may pass outwards). May throw (bad_alloc) and then changes nothing but capacities.
void tx_make_room_for_snapshot(TxStack& t);
/// Before `who` changes inside the innermost open transaction: records `state` and
/// `notify_queued` once per frame (later calls for the same `who` change nothing). O(stores
/// changed in the frame). Returns the record's place in the frame, for tx_record. Inline: every
/// reduce inside a transaction comes here, and a caller that knows the final type of `who` calls
/// tx_hold directly. This is where a frame's records take their memory (it may throw, recording
/// nothing): the commits that pass them outwards (tx_commit, noexcept) take none.
template <typename Who>
inline std::size_t tx_enlist(Batcher& b, Who& who, const Value& state, bool notify_queued) {
  TxStack& t = *BatcherAccess::tx(b);
  auto& snaps = t.frames[t.depth - 1].snaps;
  for (auto s = snaps.begin(), end = snaps.end(); s != end; ++s) {
    if (s->who == &who) return static_cast<std::size_t>(s - snaps.begin());
  }
  // Alone (the usual case), the frame's commit passes nothing on: push_back's own growth is all
  // the room there is to take.
  if (t.depth > 1) tx_make_room_for_snapshot(t);
  snaps.push_back(TxSnapshot{&who, state, notify_queued, {}});
  who.tx_hold();
  return snaps.size() - 1;
}
/// The innermost frame's record at `place` (from tx_enlist). A reference to it is good until the
/// frame records another store: look it up again after anything that may dispatch.
inline TxSnapshot& tx_record(Batcher& b, std::size_t place) noexcept {
  TxStack& t = *BatcherAccess::tx(b);
  return t.frames[t.depth - 1].snaps[place];
}
/// The tag of a dispatch `who` queues now (being busy): the innermost open frame's serial, with
/// `who` listed in that frame so that its rollback drops the dispatch; 0 (never dropped) outside
/// a transaction. O(stores that queued in the frame). Allocates (may throw, listing nothing) when
/// a frame lists a store: the room its commits need to pass the list outwards.
std::uint64_t tx_tag_queued(Batcher& b, Restorable& who);
/// As Batcher::notify, but a rollback of the transaction open now drops `fn` unrun. Inline: every
/// store change and bus message goes through here.
inline void notify_undoable(Batcher& b, std::function<void()>&& fn) {
  BatcherAccess::enqueue(b, std::move(fn), tx_serial(b));
}
/// As notify_undoable, for the runtime's own notifications: `plain(arg)` runs (or is dropped) as
/// a std::function would, without one to build, move and destroy. Whatever `arg` holds for the
/// job is the job's to give back when it runs; when a rollback drops it unrun (or the batcher is
/// destroyed with it queued), `drop(arg)` gives it back — or, with a null `drop`, its owner does
/// (a store: tx_restore).
inline void notify_undoable(Batcher& b, void (*plain)(void*), void* arg, void (*drop)(void*) = nullptr) {
  BatcherAccess::enqueue_plain(b, plain, arg, drop, tx_serial(b));
}
/// Keeps `owner` alive until `b` is idle (no batch open, not flushing), then releases it — which
/// may destroy `b` itself (a Host destroyed inside one of its own callbacks hands its core here).
/// Released at once when `b` is idle now.
void park_until_idle(Batcher& b, std::shared_ptr<void> owner) noexcept;

/// Runs `fn` in a transaction on `b`: kept when it returns; undone, and the exception rethrown,
/// when it throws. `on_rollback` (optional) runs after the undo, inside the catch block.
template <typename Fn, typename OnRollback>
void run_transaction(Batcher& b, Fn&& fn, OnRollback&& on_rollback) {
  tx_begin(b);
  try {
    fn();
  } catch (...) {
    tx_rollback(b);
    on_rollback();
    throw;
  }
  tx_commit(b);
}

template <typename Fn>
void run_transaction(Batcher& b, Fn&& fn) {
  run_transaction(b, std::forward<Fn>(fn), [] {});
}

}  // namespace mfstate::detail
