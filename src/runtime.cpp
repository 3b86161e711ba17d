#include "mfstate/runtime.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <utility>

#include "error_sink.hpp"
#include "thread_lock.hpp"
#include "transactions.hpp"

namespace mfstate {

namespace detail {
// The Executor's thread-safe queue, kept out of runtime.hpp so that header needs no thread headers.
struct ExecutorQueue {
  ThreadLock mutex;
  ThreadSignal ready;
  std::deque<std::function<void()>> tasks;
  // Written under `mutex`; read without it by posted() (a count, not a guard of the deque) and
  // by run_pending, which locks only when it differs from `taken`.
  std::atomic<std::uint64_t> posted{0};
  // Tasks run_pending took off the queue: the runtime's thread alone touches it.
  std::uint64_t taken = 0;
};
}  // namespace detail

Millis SystemClock::now() const {
  return std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
}

// ---- Scheduler ----

TimerId Scheduler::schedule_at(Millis when, std::function<void()> fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "Scheduler::schedule_at needs a function to run");
  TimerId id = next_id_++;
  timers_.emplace(Key{when, id}, std::move(fn));
  by_id_.emplace(id, when);
  return id;
}

TimerId Scheduler::schedule_after(Millis delay, std::function<void()> fn) {
  return schedule_at(clock_->now() + delay, std::move(fn));
}

bool Scheduler::cancel(TimerId id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return false;
  timers_.erase(Key{it->second, id});
  by_id_.erase(it);
  return true;
}

std::size_t Scheduler::run_due() {
  std::size_t ran = 0;
  const Millis now = clock_->now();
  // Take one timer at a time: a timer may schedule or cancel others while it runs.
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto node = timers_.extract(timers_.begin());
    by_id_.erase(node.key().second);
    node.mapped()();
    ++ran;
  }
  return ran;
}

bool Scheduler::run_one_due() {
  if (timers_.empty() || timers_.begin()->first.first > clock_->now()) return false;
  auto node = timers_.extract(timers_.begin());
  by_id_.erase(node.key().second);
  node.mapped()();
  return true;
}

std::optional<Millis> Scheduler::next_due() const {
  if (timers_.empty()) return std::nullopt;
  return timers_.begin()->first.first;
}

// ---- Executor ----

Executor::Executor() : queue_(std::make_unique<detail::ExecutorQueue>()) {}
Executor::~Executor() = default;

void Executor::post(std::function<void()> fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "Executor::post needs a function to run");
  {
    std::lock_guard<detail::ThreadLock> lock(queue_->mutex);
    queue_->tasks.push_back(std::move(fn));
    queue_->posted.fetch_add(1, std::memory_order_relaxed);
  }
  queue_->ready.notify_one();
}

std::size_t Executor::run_pending() {
  // One task at a time off the shared queue (not a swapped-out batch): a task that throws, or
  // that calls run_pending itself, then leaves the order of the rest intact.
  std::size_t ran = 0;
  for (;;) {
    // Nothing posted since the last task taken: no lock (run_until_idle asks after every
    // operation, and another thread's post is rare). A post this load does not see yet is one
    // made just after the call, seen by the next.
    if (queue_->posted.load(std::memory_order_relaxed) == queue_->taken) return ran;
    std::function<void()> fn;
    {
      std::lock_guard<detail::ThreadLock> lock(queue_->mutex);
      if (queue_->tasks.empty()) return ran;
      fn = std::move(queue_->tasks.front());
      queue_->tasks.pop_front();
      ++queue_->taken;
    }
    fn();
    ++ran;
  }
}

bool Executor::wait_for_work(std::chrono::milliseconds timeout) {
  std::unique_lock<detail::ThreadLock> lock(queue_->mutex);
  return queue_->ready.wait_for(lock, timeout, [this] { return !queue_->tasks.empty(); });
}

bool Executor::has_pending() const {
  std::lock_guard<detail::ThreadLock> lock(queue_->mutex);
  return !queue_->tasks.empty();
}

std::uint64_t Executor::posted() const { return queue_->posted.load(std::memory_order_relaxed); }

// ---- Batcher ----

Batcher::Batcher(ErrorHandler on_error) : on_error_(std::move(on_error)) {}

Batcher::~Batcher() {
  // Destroyed with notifications queued (inside a batch or a flush): the plain ones never run, so
  // what they hold goes back now. (A std::function job's captures go with the queue.)
  const std::size_t first = flushing_ ? next_ : 0;
  depth_ = 1;  // what a drop enqueues meanwhile waits here, dropped in turn: nothing runs now
  for (std::size_t i = first; i < queue_.size(); ++i) {
    if (queue_[i].plain != nullptr && queue_[i].drop != nullptr) queue_[i].drop(queue_[i].arg);
  }
}

namespace {
// Room for one more job besides the `promised` ones, out of line: a store's change notification
// appends to a queue that kept its capacity from the last flush, and with the growth inlined that
// append saved registers for it on every call.
template <typename Job>
[[gnu::noinline]] void make_room(std::vector<Job>& queue, std::size_t promised) {
  queue.reserve(std::max({std::size_t{8}, 2 * queue.capacity(), queue.size() + promised + 1}));
}
}  // namespace

void Batcher::notify(std::function<void()> fn) { enqueue(std::move(fn), 0); }

void Batcher::enqueue(std::function<void()>&& fn, std::uint64_t frame) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "Batcher::notify needs a function to run");
  // Not into the room promised to others (a store whose reducer queues this: its notification's).
  if (queue_.size() + promised_ >= queue_.capacity()) make_room(queue_, promised_);
  queue_.push_back(Job{std::move(fn), nullptr, nullptr, nullptr, frame});
  fn = nullptr;  // libc++ copies a small function on move: the caller's copy must not outlive the job
  if (depth_ == 0 && !flushing_) {
    // Run it through the queue anyway so that what it notifies in turn is queued behind it.
    flush();
    release_parked();  // last: may destroy this batcher
  }
}

void Batcher::enqueue_plain(void (*plain)(void*), void* arg, void (*drop)(void*), std::uint64_t frame) {
  if (queue_.size() + promised_ >= queue_.capacity()) [[unlikely]]
    make_room(queue_, promised_);
  // Room now (capacity >= size + promised_ + 1), which the test above does not tell the compiler
  // (size + promised_ could wrap): said here, it lets emplace_back drop its growth.
  if (queue_.size() == queue_.capacity()) __builtin_unreachable();
  Job& job = queue_.emplace_back();  // in place: no std::function to move in
  job.plain = plain;
  job.drop = drop;
  job.arg = arg;
  job.frame = frame;
  if (depth_ == 0 && !flushing_) {
    flush();
    release_parked();  // last: may destroy this batcher
  }
}

void Batcher::end_batch() {
  if (depth_ == 0) throw Error(ErrorCode::invalid_argument, "Batcher::end_batch without begin_batch");
  close_batch();
}

void Batcher::close_batch() noexcept {
  if (--depth_ == 0 && !flushing_) {
    // Most operations notify nobody (an invalidation of entries nobody observes: S1): no flush.
    if (!queue_.empty()) flush();
    release_parked();  // last: may destroy this batcher
  }
}

void Batcher::flush() noexcept {
  flushing_ = true;
  run_queue();
}

void Batcher::run_queue() noexcept {
  // Index, not iterator: notifications may enqueue more while we run.
  for (next_ = 0; next_ < queue_.size();) {
    Job& job = queue_[next_++];  // not used after the job runs: it may enqueue (reallocate)
    try {
      if (job.plain != nullptr) {
        // No std::function to move out and destroy: what the job holds is the callee's to give back.
        job.plain(job.arg);
        continue;
      }
      auto fn = std::move(job.fn);
      // libc++ (the WebAssembly build) copies a small function on move, leaving the queue's copy
      // alive: drop it, so what the job captured (an export's reference, say) is held once.
      job.fn = nullptr;
      fn();
    } catch (...) {
      // Whoever ended the batch did not run this notification: the error is not theirs.
      detail::report_error(on_error_,
                           detail::error_from_exception(ErrorCode::listener_error, "a notification threw"));
    }
  }
  queue_.clear();
  next_ = 0;
  flushing_ = false;
}

void Batcher::release_parked() noexcept {
  if (!parked_ || depth_ != 0 || flushing_) return;
  std::shared_ptr<void> owner = std::move(parked_);
  owner.reset();  // may destroy this batcher: nothing may follow
}

// ---- transactions (transactions.hpp) ----

namespace detail {

TxStack& BatcherAccess::tx_or_create(Batcher& b) {
  if (!b.tx_) b.tx_ = std::make_unique<TxStack>();
  return *b.tx_;
}

void BatcherAccess::grow_queue(Batcher& b) { make_room(b.queue_, b.promised_); }

void BatcherAccess::flush_now(Batcher& b) noexcept {
  b.flush();
  b.release_parked();  // last: may destroy the batcher
}

void BatcherAccess::report_notification_error(Batcher& b) noexcept {
  detail::report_error(b.on_error_,
                       detail::error_from_exception(ErrorCode::listener_error, "a notification threw"));
}

void BatcherAccess::end_batch_queueing(Batcher& b, void (*plain)(void*), void* arg) {
  // Room was promised: nothing here allocates before end_batch.
  notify_undoable(b, plain, arg);
  b.end_batch();
}

void BatcherAccess::drop_tagged_since(Batcher& b, std::size_t mark, std::uint64_t serial) noexcept {
  // While flushing, what already ran (and the one running) is not pending: never touch it.
  if (b.flushing_ && mark < b.next_) mark = b.next_;
  if (mark >= b.queue_.size()) return;
  // First the dropped plain jobs give back what they hold. By index, the job read afresh each
  // time: a drop may free a bus topic and its subscribers' callables, whose destructors may
  // enqueue (the queue may grow and move; what they enqueue is the enclosing frame's, kept).
  for (std::size_t i = mark; i < b.queue_.size(); ++i) {
    Batcher::Job& j = b.queue_[i];
    if (j.frame < serial || j.plain == nullptr || j.drop == nullptr) continue;
    void (*drop)(void*) = std::exchange(j.drop, nullptr);
    drop(j.arg);
  }
  auto first = b.queue_.begin() + static_cast<std::ptrdiff_t>(mark);
  b.queue_.erase(
      std::remove_if(first, b.queue_.end(), [serial](const Batcher::Job& j) { return j.frame >= serial; }),
      b.queue_.end());
}

void tx_begin(Batcher& b) {
  TxStack& t = BatcherAccess::tx_or_create(b);
  if (t.depth == t.frames.size()) t.frames.emplace_back();
  TxFrame& f = t.frames[t.depth];
  f.serial = t.next_serial++;
  f.mark = BatcherAccess::queued(b);
  ++t.depth;
  b.begin_batch();
}

namespace {

// At least `room` in `list`, grown as push_back grows it (twice the capacity at least): a frame
// listing its stores one by one reallocates O(log n) times, not n.
template <typename T>
void reserve_room(std::vector<T>& list, std::size_t room) {
  if (list.capacity() < room) list.reserve(std::max(room, 2 * list.capacity()));
}

// Room for one more entry in the innermost frame's `list` (a member of TxFrame) and, in each
// enclosing frame, for every entry of the frames inside it: a commit passes them outwards and
// must not fail for want of memory (noexcept). Frame d may receive at most what the frames
// above it hold, since each commit passes on at most what the committing frame holds.
template <typename T>
void reserve_for_commits(TxStack& t, std::vector<T> TxFrame::*list) {
  std::size_t inner = 1;
  for (std::size_t d = t.depth; d-- > 0;) {
    auto& l = t.frames[d].*list;
    reserve_room(l, l.size() + inner);
    inner += l.size();
  }
}

}  // namespace

void tx_make_room_for_snapshot(TxStack& t) { reserve_for_commits(t, &TxFrame::snaps); }

std::uint64_t tx_tag_queued(Batcher& b, Restorable& who) {
  TxStack* t = BatcherAccess::tx(b);
  if (t == nullptr || t->depth == 0) return 0;
  TxFrame& f = t->frames[t->depth - 1];
  if (std::find(f.queued.begin(), f.queued.end(), &who) == f.queued.end()) {
    reserve_for_commits(*t, &TxFrame::queued);  // room first: may throw, listing nothing
    f.queued.push_back(&who);
    who.tx_hold();
  }
  return f.serial;
}

void tx_commit(Batcher& b) noexcept {
  TxStack& t = *BatcherAccess::tx(b);
  TxFrame& f = t.frames[--t.depth];
  if (t.depth > 0) {
    // Their queued dispatches keep their tags, larger than the enclosing frame's serial: its
    // rollback drops them too.
    auto& outer_queued = t.frames[t.depth - 1].queued;
    for (Restorable* who : f.queued) {
      if (std::find(outer_queued.begin(), outer_queued.end(), who) != outer_queued.end()) {
        who->tx_release();
      } else {
        outer_queued.push_back(who);  // within the room tx_tag_queued reserved
      }
    }
    // The enclosing transaction must still be able to put these stores back where it began.
    auto& outer = t.frames[t.depth - 1].snaps;
    for (auto& s : f.snaps) {
      const bool known =
          std::any_of(outer.begin(), outer.end(), [&](const TxSnapshot& o) { return o.who == s.who; });
      if (known) {
        s.who->tx_release();
      } else {
        outer.push_back(std::move(s));  // within the room tx_enlist reserved
      }
    }
  } else {
    for (Restorable* who : f.queued) {
      who->tx_keep_queued();
      who->tx_release();
    }
    for (auto& s : f.snaps) s.who->tx_release();
    t.next_serial = 1;
  }
  f.queued.clear();
  f.snaps.clear();
  b.end_batch();
}

void tx_rollback(Batcher& b) noexcept {
  TxStack& t = *BatcherAccess::tx(b);
  TxFrame& f = t.frames[--t.depth];
  BatcherAccess::drop_tagged_since(b, f.mark, f.serial);
  for (Restorable* who : f.queued) {
    who->tx_drop_queued(f.serial);
    who->tx_release();
  }
  f.queued.clear();
  for (auto it = f.snaps.rbegin(); it != f.snaps.rend(); ++it) {
    restore_recorded(it->state, it->undo, it->who->tx_holds(it->state));
    it->who->tx_restore(it->state, it->notify_queued);
    it->who->tx_release();
  }
  f.snaps.clear();
  if (t.depth == 0) t.next_serial = 1;
  b.end_batch();
}

void park_until_idle(Batcher& b, std::shared_ptr<void> owner) noexcept {
  if (!b.in_batch()) return;  // idle now: `owner` is released when this returns
  BatcherAccess::park(b, std::move(owner));
}

}  // namespace detail

// ---- Runtime ----

Runtime::Runtime()
    : owned_clock_(std::make_unique<SystemClock>()),
      clock_(owned_clock_.get()),
      scheduler_(*clock_),
      batcher_([this](const Error& e) { report_error(e); }) {}

Runtime::Runtime(const Clock& clock)
    : clock_(&clock), scheduler_(clock), batcher_([this](const Error& e) { report_error(e); }) {}

Runtime::Runtime(ManualClock& clock)
    : clock_(&clock),
      manual_(&clock),
      scheduler_(clock),
      batcher_([this](const Error& e) { report_error(e); }) {}

void Runtime::report_error(const Error& error) noexcept { detail::report_error(on_error_, error); }

std::size_t Runtime::run_until_idle() {
  std::size_t ran = 0;
  // One timer at a time, posted work after each: a timer's completion (a fetch it resolves) is
  // handled before the next timer due at the same instant, as promise jobs run between timers in
  // a browser, so the manual clock and the wasm build order events alike.
  for (;;) {
    std::size_t step = executor_.run_pending();
    if (scheduler_.run_one_due()) ++step;
    if (step == 0) return ran;
    ran += step;
  }
}

void Runtime::advance(Millis d) {
  if (manual_ == nullptr) {
    throw Error(ErrorCode::invalid_argument, "Runtime::advance needs a runtime built on a ManualClock");
  }
  if (d < Millis{0}) {
    throw Error(ErrorCode::invalid_argument, "Runtime::advance cannot move the clock backwards");
  }
  const Millis target = manual_->now() + d;
  run_until_idle();
  for (;;) {
    auto next = scheduler_.next_due();
    if (!next || *next > target) break;
    if (*next > manual_->now()) manual_->set(*next);
    run_until_idle();
  }
  manual_->set(target);
  run_until_idle();
}

}  // namespace mfstate
