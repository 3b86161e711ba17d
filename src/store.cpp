#include "mfstate/store.hpp"

#include <algorithm>
#include <exception>

#include "error_sink.hpp"
#include "store_internal.hpp"
#include "transactions.hpp"
#include "value_lend.hpp"

namespace mfstate {

namespace detail {

// A transaction of the runtime restores a store through Restorable (transactions.hpp); the Host
// follows it through a StoreObserver (store_internal.hpp). Nobody else touches these fields.
struct StoreCore final : Restorable {
  // Intrusive, non-atomic count: the runtime is single-threaded, and notifications, StoreRef,
  // Next and subscriptions all keep the core alive without paying for atomics.
  std::uint32_t refs = 1;
  bool alive = true;

  Value state;
  Reducer reducer;
  std::vector<Middleware> middleware;
  std::unique_ptr<Batcher> own_batcher;
  Batcher* batcher = nullptr;
  ErrorHandler on_error;
  std::string name;

  StoreObserver* observer = nullptr;

  struct Listener {
    std::uint64_t id;
    Callback<const Value&> fn;  // silenced on unsubscribe (a call does nothing; the callable lives on)
    bool active = true;         // cleared on unsubscribe; the entry goes when no delivery is running
    void deactivate() noexcept {
      active = false;
      fn.silence();
    }
  };
  std::vector<Listener> listeners;
  // Subscribed during a delivery: kept here until it ends, then appended to `listeners`. Appended
  // at once, the vector could grow and move the entry running the delivery's current
  // subscriber, and the loop's pointer would walk freed memory.
  std::vector<Listener> added;
  std::uint64_t next_listener_id = 1;
  std::size_t dead_listeners = 0;  // inactive entries in `listeners` and `added`

  struct Pending {
    Action action;
    std::size_t index;
    // The transaction frame it was queued in (transactions.hpp's tag), whose rollback drops it;
    // 0: none can.
    std::uint64_t frame;
  };
  std::vector<Pending> queue;
  std::size_t queue_head = 0;

  bool processing = false;
  bool delivering = false;
  bool notify_queued = false;
  // The change's notification (notify_queued) is held here, not in the batcher's queue: it was
  // due when nothing else was queued and this store's dispatch held the only batch open, so it
  // runs first when that batch closes (end_batch), where the queue would have run it first.
  bool notify_held = false;
  std::uint64_t version = 0;

  void retain() noexcept { ++refs; }
  void release() noexcept {
    if (--refs == 0) delete this;
  }

  bool busy() const noexcept { return processing || delivering; }

  void report(const Error& e) noexcept { report_error(on_error, e); }

  // ---- Restorable: a transaction's snapshot of this store ----
  void tx_hold() noexcept override { retain(); }
  void tx_release() noexcept override { release(); }
  bool tx_holds(const Value& recorded) const noexcept override { return state.same_node(recorded); }
  void tx_restore(const Value& before, bool queued_before) noexcept override {
    state = before;
    if (notify_queued && !queued_before) {
      // The notification was queued inside the transaction and has been dropped unrun: give back
      // the reference it held.
      notify_queued = false;
      release();
    } else {
      notify_queued = queued_before;
    }
  }

  void tx_drop_queued(std::uint64_t serial) noexcept override {
    // What already ran (before queue_head) is the frame's restored state's business, not here.
    const auto first = queue.begin() + static_cast<std::ptrdiff_t>(queue_head);
    queue.erase(std::remove_if(first, queue.end(), [serial](const Pending& p) { return p.frame >= serial; }),
                queue.end());
  }
  void tx_keep_queued() noexcept override {
    for (Pending& p : queue) p.frame = 0;
  }

  // Entry point of a dispatch that is not nested in another: opens a batch so that whatever the
  // action (and what it queues) changes is notified once, after all of it.
  void process(Action&& action, std::size_t index) {
    run_batched([&] { run_one(std::move(action), index); });
  }

  // `run` reduces the action (through the chain from its index), then what it queued runs.
  template <typename Run>
  void run_batched(Run&& run) {
    // The store may be destroyed by what the action triggers (an app unmounting itself).
    CoreRef keep(this);
    Batcher& b = *batcher;
    b.begin_batch();
    processing = true;
    try {
      run();
    } catch (...) {
      // The action failed: what it queued goes with it.
      processing = false;
      queue.clear();
      queue_head = 0;
      end_batch(b);
      throw;
    }
    // Idle when it began, the store had nothing queued: whatever is queued now, the action queued,
    // so emptiness is the test (`queue_head < size()` divided by the entry's 80 bytes).
    if (!queue.empty()) [[unlikely]] {
      end_queued(b);
      return;
    }
    processing = false;
    end_batch(b);
  }

  // run_batched's end when the action queued dispatches: they run, then the batch ends; the
  // first failure of one of them, when nobody else is told of it, is thrown to the caller
  // (drain).
  void end_queued(Batcher& b) {
    std::exception_ptr deferred;
    drain(&deferred);
    processing = false;
    end_batch(b);
    if (deferred) std::rethrow_exception(deferred);
  }

  // Ends run_batched's batch, running the held notification (mark_changed) first when there is
  // one, as run_notification would from the queue's head: inline, with no job queued, no flush
  // loop and no reference (run_batched's own keeps the core alive).
  void end_batch(Batcher& b) {
    if (!notify_held) {
      BatcherAccess::end_own_batch(b);
      return;
    }
    notify_held = false;
    if (!BatcherAccess::start_flush_ahead(b)) [[unlikely]] {
      retain();  // the queued job's (run_notification gives it back)
      BatcherAccess::end_batch_queueing(b, &StoreCore::run_notification, this);
      return;
    }
    notify_queued = false;
    if (alive) {
      try {
        deliver();
      } catch (...) {
        BatcherAccess::report_notification_error(b);
      }
    }
    BatcherAccess::finish_flush_ahead(b);
  }

  // Runs what was queued while busy, in order, each action on its own: one that fails changes
  // nothing (its dispatches go with it, as the outermost action's do) and the others still run.
  // The caller of those dispatches has returned, so their failures go to the error handler or,
  // without one, the first of them to the outermost caller afterwards (`deferred`; null: there is
  // none, and they are reported anyway). Whatever a failure is (out of memory included), the
  // queue is run to its end: the store is never left busy.
  void drain(std::exception_ptr* deferred) noexcept {
    while (queue_head < queue.size()) {
      Pending p = std::move(queue[queue_head++]);
      const std::size_t queued = queue.size();
      try {
        run_one(std::move(p.action), p.index);
      } catch (...) {
        // (A rollback inside the action drops only what was queued after it began.)
        if (queue.size() > queued) queue.resize(queued);
        fail_queued(deferred);
      }
    }
    queue.clear();
    queue_head = 0;
  }

  // A queued action's failure, inside the catch block that caught it (see drain).
  void fail_queued(std::exception_ptr* deferred) noexcept {
    if (!on_error && deferred != nullptr) {
      if (!*deferred) *deferred = std::current_exception();
      return;
    }
    try {
      throw;
    } catch (const Error& e) {
      report(e);  // a reducer_error naming this store already
      return;
    } catch (...) {
    }
    try {
      report(error_from_exception(ErrorCode::reducer_error,
                                  "a queued action of " + name + " failed; the state is as before it"));
    } catch (...) {
      report(out_of_memory_report());  // no memory to say more
    }
  }

  // One action through the chain from `index`. Leaves the state as it was when anything throws.
  void run_one(Action&& action, std::size_t index) {
    if (index >= middleware.size()) {
      reduce(action);
      return;
    }
    // With middleware, a failure may come after the reducer ran: keep the old state to restore.
    Value before = state;
    const std::size_t queued = queue.size();
    try {
      run_chain(std::move(action), index);
    } catch (...) {
      state = std::move(before);
      if (queue.size() > queued) queue.resize(queued);
      rethrow_as_reducer_error("middleware");
    }
  }

  void run_chain(Action&& action, std::size_t index) {
    if (index >= middleware.size()) {
      reduce(action);
      return;
    }
    StoreRef ref(this);
    Next next(this, index + 1);
    middleware[index](ref, std::move(action), next);
  }

  // Called inside a catch block: rethrows the exception in flight as Error(reducer_error) with
  // the original nested (an error that already is a reducer_error, from a nested dispatch,
  // passes as is).
  [[noreturn]] void rethrow_as_reducer_error(const char* where) {
    try {
      throw;
    } catch (const Error& e) {
      if (e.code() == ErrorCode::reducer_error) throw;
    } catch (...) {
    }
    const Error why =
        error_from_exception(ErrorCode::reducer_error,
                             "the " + std::string(where) + " of " + name + " threw; the state is unchanged");
    // Nests the exception in flight, as std::throw_with_nested would, and names it in cause().
    throw NestedError(ErrorCode::reducer_error, why.what());
  }

  void reduce(const Action& action) {
    // Inside a transaction: the frame's record of this store, taken before the change. Made here,
    // of a state nobody else held (`made_now`: the store's first change in the frame, every
    // broadcast target's), the record holds this very node and has recorded no member yet: the
    // state is lent with it at once, without looking the record up to ask (record_room).
    Enlisted record;
    if (tx_active(*batcher)) record = enlist();
    // Room for the change's notification, taken before anything changes: out of memory here fails
    // the action with nothing done, where mark_changed, after the change, would leave it made.
    // Promised, not merely free: what the reducer queues meanwhile (its own notifications, another
    // store's change) must not take it. (Not first testing whether one is queued already: a
    // compare and a count are all the room costs.)
    detail::JobRoom room(*batcher);
    bool changed;
    const detail::Node* root = state.node();
    // Nobody else holds the state: the reducer may have it (noexcept) or borrow it (lent).
    const bool unshared = root != nullptr && root->refs == 1;
    if (reducer.nothrow() && unshared) {
      // Nobody else holds the state and the reducer cannot throw: hand it over so the reducer
      // updates it in place. A same-node result may hide an in-place update: count it a change.
      state = reducer(std::move(state), action);
      changed = true;
    } else if (unshared && state.is_object()) {
      changed = reduce_lent(action);
    } else if (const std::uint32_t room_left =
                   record.made_now ? MemberUndo::capacity : record_room(record.place, root);
               room_left != 0 && state.is_object()) {
      changed = reduce_lent_recorded(action, record.place, room_left);
    } else {
      Value next = reduce_shared(action);
      changed = !next.same_node(state);
      if (changed) state = std::move(next);
    }
    if (observer) observer->on_action(action, changed);
    if (changed) mark_changed(room);  // the room is the notification's now, or nobody's
  }

  static constexpr std::size_t no_record = static_cast<std::size_t>(-1);

  // reduce's record in the open transaction (tx_enlist): its place, and whether it was made now of
  // a state nobody else held. Out of reduce's own body, so that outside a transaction (W1's every
  // dispatch) reduce reads its state where it always did: reading it before the transaction's
  // test cost W1 about 10% in CPU time, for 6 fewer instructions.
  struct Enlisted {
    std::size_t place = no_record;
    bool made_now = false;
  };
  Enlisted enlist() {
    const detail::Node* root = state.node();
    const bool held_alone = root != nullptr && root->refs == 1;
    const std::size_t place = tx_enlist(*batcher, *this, state, notify_queued);
    return {place, held_alone && root->refs == 2};  // a record found, not made, took no reference
  }

  // A reducer that may throw, on an object state nobody else holds: the state is lent to it
  // (value_lend.hpp), so its `std::move(state).set(...)` of an existing member updates the root
  // in place where it used to copy it, and a throw puts the replaced members back. Returns
  // whether the state changed (a same-node result may hide an in-place update). Meanwhile a read
  // of this store's state from inside the reducer may see the members it has set so far. Inline
  // in reduce (its one caller, every dispatch of W1): left to the compiler, a change of a few
  // bytes elsewhere moved it out of line, 23 more instructions per dispatch.
  [[gnu::always_inline]] bool reduce_lent(const Action& action) {
    detail::LentRoot lent(state);
    Value next;
    try {
      next = reducer(state, action);
    } catch (...) {
      lent.restore();
      rethrow_as_reducer_error("reducer");
    }
    lent.finish();
    const bool changed = lent.replaced_any() || !next.same_node(state);
    state = std::move(next);
    return changed;
  }

  // Inside a transaction (`record`: the frame's record of this store; no_record outside one), on
  // a state `root` held by the store and one other: when that other is the record, the members
  // the record can still take (the state is lent with it: reduce_lent_recorded); 0 when someone
  // else holds it or the record is full (the reducer gets it shared).
  std::uint32_t record_room(std::size_t record, const detail::Node* root) const noexcept {
    if (record == no_record || root == nullptr || root->refs != 2) return 0;
    const TxSnapshot& r = tx_record(*batcher, record);
    return r.state.node() == root ? MemberUndo::capacity - r.undo.size() : 0;
  }

  // As reduce_lent, inside a transaction whose record of this store holds the state's node (and
  // has `room` for that many members): the record is not counted as an owner while the state is
  // lent, and it takes the first value of each member replaced in place (those it does not have
  // yet), so that a rollback puts the state back as the frame first saw it. Without this the
  // record's reference made the state shared, and every reducer inside a transaction copied its
  // root.
  bool reduce_lent_recorded(const Action& action, std::size_t record, std::uint32_t room) {
    detail::LentRoot lent(state, room);
    Value next = reduce_recorded(lent, action, record);
    lent.finish();
    const bool changed = lent.replaced_any() || !next.same_node(state);
    tx_record(*batcher, record).undo.absorb(lent.replaced());
    state = std::move(next);
    return changed;
  }

  // The reducer's result for the state lent with its record. Built in place (no empty Value to
  // assign it to). If the reducer throws: the state as it was lent, and the record takes what
  // stays replaced in the node it holds (LentRoot::restore).
  Value reduce_recorded(detail::LentRoot& lent, const Action& action, std::size_t record) {
    try {
      return reducer(state, action);
    } catch (...) {
      lent.restore();
      // Looked up again: the record may have moved meanwhile (the reducer dispatched to another
      // store, which the frame then recorded).
      tx_record(*batcher, record).undo.absorb(lent.replaced());
      rethrow_as_reducer_error("reducer");
    }
  }

  // The reducer's result for a state it shares with the store (so a throw leaves the state as
  // it was). The result is built in place: no empty Value to assign it to.
  Value reduce_shared(const Action& action) {
    try {
      return reducer(state, action);
    } catch (...) {
      rethrow_as_reducer_error("reducer");
    }
  }

  // A counted reference a queued notification holds: released even when the notification is
  // dropped unrun (a transaction rolled back).
  struct CoreRef {
    StoreCore* c;
    explicit CoreRef(StoreCore* core) noexcept : c(core) { c->retain(); }
    CoreRef(const CoreRef& o) noexcept : c(o.c) { c->retain(); }
    CoreRef& operator=(const CoreRef&) = delete;
    ~CoreRef() { c->release(); }
  };

  void mark_changed(JobRoom& room) {
    if (notify_queued) return;
    notify_queued = true;
    if (BatcherAccess::would_run_first(*batcher)) {
      // Nothing else is going on (this store's dispatch holds the only batch, nothing is queued,
      // no transaction): the notification would run first when that batch closes, so it waits
      // here instead, and run_batched's end runs it ahead of the flush (end_batch). The room
      // stays promised, for the one case where it is queued after all (a batch begun by hand in
      // the action and left open). No transaction can drop it: none is open, and one opened
      // later records it as queued before it (tx_enlist's notify_queued).
      room.keep();
      notify_held = true;
      return;
    }
    // The queued job holds a reference, taken here and given back when it runs — or by
    // tx_restore when a transaction that rolls back drops it unrun. A plain job: a function
    // and this core, nothing to build or destroy, in the room reduce promised it (JobRoom): no
    // memory is needed, so nothing can fail here, after the change.
    retain();
    room.queue(&StoreCore::run_notification, this);
  }
  static void run_notification(void* core) {
    struct Release {
      StoreCore* c;
      ~Release() { c->release(); }
    } release{static_cast<StoreCore*>(core)};
    release.c->notify_queued = false;
    if (release.c->alive) release.c->deliver();
  }
  void deliver() {
    ++version;
    delivering = true;
    // Snapshot semantics: listeners added during delivery wait for the next change; removed ones
    // are silenced (their call does nothing) and compacted afterwards. A store destroyed
    // meanwhile (by one of its listeners) silences every one, which also stops the round.
    // The vector does not move while `delivering`: a subscribe waits in `added`, an unsubscribe
    // only silences (compact waits), the store's destruction likewise, and no other delivery of
    // this store can start (its batcher does not flush inside a flush). So the loop walks a
    // pointer, where an index reloaded the vector's data after every call, and tests no flag.
    for (Listener *l = listeners.data(), *const end = l + listeners.size(); l != end; ++l) {
      try {
        l->fn(state);
      } catch (...) {
        report(error_from_exception(ErrorCode::listener_error, "a subscriber of " + name + " threw"));
      }
    }
    delivering = false;
    if (!alive) {
      listeners.clear();
      added.clear();
      return;
    }
    // Their ids are larger than any before them: `listeners` stays sorted by id.
    for (Listener& l : added) listeners.push_back(std::move(l));
    added.clear();
    compact();
    if (observer) observer->on_notified();
    // Not processing: nothing of the queue has run (queue_head is 0), so it is empty or all to run.
    if (!queue.empty() && !processing) {
      // Dispatches from subscribers waited for the round to end; run them now.
      batcher->begin_batch();
      processing = true;
      drain(nullptr);  // no caller to hand a failure to: reported
      processing = false;
      batcher->end_batch();
    }
  }

  void compact() {
    if (dead_listeners == 0 || delivering) return;
    std::erase_if(listeners, [](const Listener& l) { return !l.active; });
    dead_listeners = 0;
  }

  void unsubscribe(std::uint64_t id) {
    // Ids grow, so both lists are sorted by id.
    std::vector<Listener>& in = !added.empty() && id >= added.front().id ? added : listeners;
    auto it = std::lower_bound(in.begin(), in.end(), id,
                               [](const Listener& l, std::uint64_t v) { return l.id < v; });
    if (it == in.end() || it->id != id || !it->active) return;
    it->deactivate();
    ++dead_listeners;
    compact();
  }

  void add_listener(Callback<const Value&> fn, std::uint64_t id) {
    (delivering ? added : listeners).push_back({id, std::move(fn), true});
  }

  // Dispatch from outside the chain: queued when busy, run now otherwise.
  void dispatch(Action&& action, std::size_t index) {
    if (busy()) {
      // Inside a transaction, tagged with its frame: a rollback drops it unrun.
      const std::uint64_t frame = tx_tag_queued(*batcher, *this);
      queue.push_back(Pending{std::move(action), index, frame});
      return;
    }
    process(std::move(action), index);
  }

  // As dispatch, for an action the caller keeps (Store::dispatch of an lvalue, a broadcast's
  // targets): reduced from the reference when nothing needs to own it (no middleware, not busy);
  // otherwise moved from `take_from` (the caller's own copy, when it may be taken) or copied.
  void dispatch_borrowed(const Action& action, Action* take_from) {
    if (!middleware.empty() || busy()) {
      dispatch(take_from != nullptr ? std::move(*take_from) : Action(action), 0);
      return;
    }
    run_batched([&] { reduce(action); });
  }
};

void StoreAccess::observe(Store& store, StoreObserver* observer) noexcept {
  store.core_->observer = observer;
}

void StoreAccess::dispatch(Store& store, const Action& action, Action* take_from) {
  store.core_->dispatch_borrowed(action, take_from);
}

bool StoreAccess::may_throw(const Store& store) noexcept {
  return !store.core_->reducer.nothrow() || !store.core_->middleware.empty();
}

}  // namespace detail

using detail::StoreCore;

// ---- StoreRef ----

StoreRef::StoreRef(StoreCore* core) noexcept : core_(core) {
  if (core_) core_->retain();
}
StoreRef::StoreRef(const StoreRef& other) noexcept : StoreRef(other.core_) {}
StoreRef& StoreRef::operator=(const StoreRef& other) noexcept {
  if (other.core_) other.core_->retain();
  if (core_) core_->release();
  core_ = other.core_;
  return *this;
}
StoreRef::~StoreRef() {
  if (core_) core_->release();
}

const Value& StoreRef::state() const noexcept {
  static const Value null_value;
  return core_ && core_->alive ? core_->state : null_value;
}

bool StoreRef::dispatch(Action action) const {
  if (!core_ || !core_->alive) return false;
  core_->dispatch(std::move(action), 0);
  return true;
}

bool StoreRef::alive() const noexcept { return core_ && core_->alive; }

// ---- Next ----

Next::Next(StoreCore* core, std::size_t index) noexcept : core_(core), index_(index) {
  if (core_) core_->retain();
}
Next::Next(const Next& other) noexcept : Next(other.core_, other.index_) {}
Next& Next::operator=(const Next& other) noexcept {
  if (other.core_) other.core_->retain();
  if (core_) core_->release();
  core_ = other.core_;
  index_ = other.index_;
  return *this;
}
Next::~Next() {
  if (core_) core_->release();
}

void Next::operator()(Action action) const {
  if (!core_ || !core_->alive) return;
  if (core_->processing) {
    // Called from inside the chain (the usual, synchronous case): continue it.
    Action a = std::move(action);
    core_->run_chain(std::move(a), index_);
  } else {
    // Called later by a middleware that held the action: a dispatch of its own from here on.
    core_->dispatch(std::move(action), index_);
  }
}

// ---- Store ----

Store::Store(Value initial, Reducer reducer, StoreOptions options) : core_(new StoreCore) {
  if (!reducer) {
    delete core_;
    throw Error(ErrorCode::invalid_argument,
                "Store needs a reducer: expected a callable Value(Value, const Action&), got an "
                "empty one");
  }
  core_->state = std::move(initial);
  core_->reducer = std::move(reducer);
  core_->middleware = std::move(options.middleware);
  for (const auto& m : core_->middleware) {
    if (!m) {
      delete core_;
      throw Error(ErrorCode::invalid_argument, "Store middleware must not be empty");
    }
  }
  if (options.batcher != nullptr) {
    core_->batcher = options.batcher;
  } else {
    core_->own_batcher = std::make_unique<Batcher>();
    core_->batcher = core_->own_batcher.get();
  }
  core_->on_error = std::move(options.on_error);
  core_->name = std::move(options.name);
}

Store::Store(Store&& other) noexcept : core_(other.core_) { other.core_ = nullptr; }

Store& Store::operator=(Store&& other) noexcept {
  if (this != &other) {
    this->~Store();
    core_ = other.core_;
    other.core_ = nullptr;
  }
  return *this;
}

Store::~Store() {
  if (!core_) return;
  core_->alive = false;
  core_->observer = nullptr;
  // Drop the listeners now (what they captured must not outlive the store's owner), or, when
  // one of them is running, as soon as the delivery ends; meanwhile none of them is called again
  // (deliver calls only what is not silenced).
  if (core_->delivering) {
    for (auto& l : core_->listeners) l.deactivate();
    core_->added.clear();  // none of them runs: not in the round being delivered
  } else {
    core_->listeners.clear();
  }
  core_->middleware.clear();
  core_->release();
  core_ = nullptr;
}

const Value& Store::state() const noexcept { return core_->state; }

void Store::dispatch(const Action& action) { core_->dispatch_borrowed(action, nullptr); }

void Store::dispatch(Action&& action) { core_->dispatch(std::move(action), 0); }

Subscription Store::subscribe(std::function<void(const Value&)> listener) {
  if (!listener) {
    throw Error(ErrorCode::invalid_argument, "Store::subscribe needs a listener, got an empty one");
  }
  return subscribe_callback(detail::Callback<const Value&>::of(std::move(listener)));
}

Subscription Store::subscribe_callback(detail::Callback<const Value&> listener) {
  const std::uint64_t id = core_->next_listener_id++;
  core_->add_listener(std::move(listener), id);
  StoreCore* core = core_;
  core->retain();
  struct Cancel {
    StoreCore* core;
    std::uint64_t id;
    Cancel(StoreCore* c, std::uint64_t i) : core(c), id(i) {}
    Cancel(const Cancel& o) : core(o.core), id(o.id) { core->retain(); }
    Cancel& operator=(const Cancel&) = delete;
    ~Cancel() { core->release(); }
    void operator()() const {
      if (core->alive) core->unsubscribe(id);
    }
  };
  // The temporary Cancel owns the reference taken above; the std::function keeps a copy.
  return Subscription{std::function<void()>(Cancel(core, id))};
}

void Store::replace_reducer(Reducer reducer) {
  if (!reducer) {
    throw Error(ErrorCode::invalid_argument, "replace_reducer needs a reducer, got an empty one");
  }
  core_->reducer = std::move(reducer);
  dispatch(Action{"mfstate/replace", Value(), Value()});
}

std::uint64_t Store::version() const noexcept { return core_->version; }

std::size_t Store::subscriber_count() const noexcept {
  return core_->listeners.size() + core_->added.size() - core_->dead_listeners;
}

StoreRef Store::ref() const noexcept { return StoreRef(core_); }

// ---- selectors ----

const Value& Selector::operator()(const Value& input) {
  if (!has_ || !input.same_node(last_input_)) {
    last_output_ = fn_(input);
    last_input_ = input;
    has_ = true;
    ++computations_;
  }
  return last_output_;
}

const Value& CombinedSelector::operator()(const Value& state) {
  args_.resize(inputs_.size());
  bool changed = !has_;
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    args_[i] = inputs_[i](state);
    if (!changed && !args_[i].same_node(last_args_[i])) {
      changed = true;
    }
  }
  if (changed) {
    last_output_ = combiner_(args_);
    last_args_ = args_;
    has_ = true;
    ++computations_;
  }
  return last_output_;
}

}  // namespace mfstate
