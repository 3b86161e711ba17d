// The runtime: time, timers, work posted from other threads, batched notification, and the
// RAII subscription handle every module returns.
//
// Like the browser, the runtime is single-threaded: every mfstate call happens on the runtime's
// thread. Other threads enter only through Executor::post. Everything time-based reads the
// runtime's Clock and schedules on its Scheduler, so tests run on a ManualClock with no sleeps.
//
// This header stays light (no thread headers: the Executor's lock lives in runtime.cpp), because
// every other header includes it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "mfstate/error.hpp"

namespace mfstate {

/// Milliseconds, the unit of every duration and time point in mfstate (as in TanStack Query).
using Millis = std::chrono::milliseconds;

/// A source of the current time, in milliseconds since an epoch of the clock's choosing.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current time. Does not allocate.
  virtual Millis now() const = 0;
};

/// Wall-clock time (milliseconds since the Unix epoch), for production.
class SystemClock final : public Clock {
 public:
  Millis now() const override;
};

/// A clock that moves only when told to: tests advance it instead of sleeping.
class ManualClock final : public Clock {
 public:
  /// A clock standing at `start`.
  explicit ManualClock(Millis start = Millis{0}) : now_(start) {}
  Millis now() const override { return now_; }
  /// Moves the clock to `t` (timers do not run: use Runtime::advance for that).
  void set(Millis t) { now_ = t; }
  /// Moves the clock by `d` (timers do not run: use Runtime::advance for that).
  void advance(Millis d) { now_ += d; }

 private:
  Millis now_;
};

using TimerId = std::uint64_t;

/// Timers on the runtime's thread. Not thread-safe (use Executor::post from other threads).
class Scheduler {
 public:
  /// A scheduler reading `clock`, which must outlive it.
  explicit Scheduler(const Clock& clock) : clock_(&clock) {}

  /// Runs `fn` once the clock reaches `when` (a time already past runs at the next run_due).
  /// Allocates; an empty `fn` is an invalid_argument Error. O(log n).
  TimerId schedule_at(Millis when, std::function<void()> fn);
  /// Runs `fn` once `delay` has passed. Allocates; an empty `fn` is an Error. O(log n).
  TimerId schedule_after(Millis delay, std::function<void()> fn);
  /// Cancels a timer; false when it already ran (or is running) or was cancelled. O(log n).
  bool cancel(TimerId id);
  /// Runs every timer due at the clock's current time, earliest first (ties in scheduling
  /// order), including timers that become due while running. Returns how many ran. When a
  /// timer throws, the error propagates and the timers not yet run stay scheduled.
  std::size_t run_due();
  /// Runs the earliest timer due at the clock's current time, if any; timers it schedules run on
  /// later calls. Returns whether one ran. With Executor::run_pending between calls this is a JS
  /// event loop's order: each timer, then the work it posted. O(log n).
  bool run_one_due();
  /// When the earliest pending timer is due, if any. O(1).
  [[nodiscard]] std::optional<Millis> next_due() const;
  /// How many timers are scheduled. O(1).
  [[nodiscard]] std::size_t pending() const noexcept { return by_id_.size(); }
  /// How many timers were ever scheduled (Runtime::activity counts them). O(1).
  [[nodiscard]] std::uint64_t scheduled() const noexcept { return next_id_ - 1; }
  /// The clock the scheduler reads.
  const Clock& clock() const noexcept { return *clock_; }

 private:
  using Key = std::pair<Millis, TimerId>;
  const Clock* clock_;
  TimerId next_id_ = 1;
  std::map<Key, std::function<void()>> timers_;
  std::map<TimerId, Millis> by_id_;
};

namespace detail {
struct ExecutorQueue;
struct TxStack;
struct BatcherAccess;
}  // namespace detail

/// Work handed to the runtime's thread. `post` may be called from any thread.
class Executor {
 public:
  /// An empty queue. Allocates.
  Executor();
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  /// Queues `fn` to run on the runtime's thread. Thread-safe. Allocates; an empty `fn` is an
  /// invalid_argument Error.
  void post(std::function<void()> fn);
  /// Runs posted tasks on the calling thread in the order they were posted, until none is left
  /// (tasks they post run too). Returns how many ran. Call only on the runtime's thread. When a
  /// task throws, the error propagates and the tasks after it stay queued, in order.
  std::size_t run_pending();
  /// Blocks until a task is posted or `timeout` passes (native run loops; tests use run_pending;
  /// a build without threads answers at once). Returns true when tasks are waiting. Thread-safe.
  bool wait_for_work(std::chrono::milliseconds timeout);
  /// Whether tasks are waiting. Thread-safe.
  [[nodiscard]] bool has_pending() const;
  /// How many tasks were ever posted (Runtime::activity counts them). Thread-safe.
  [[nodiscard]] std::uint64_t posted() const;

 private:
  std::unique_ptr<detail::ExecutorQueue> queue_;
};

/// The one batching point. Stores, watches, observers and the bus enqueue notifications here;
/// they run when the outermost batch ends, in the order they were enqueued. Notifications
/// enqueued while flushing run in the same flush, after those already queued (never recursively).
///
/// A notification that throws does not reach whoever happened to end the batch (often another
/// app's call) and does not hold back the notifications after it: its error goes to the
/// batcher's error handler and the flush goes on.
///
/// Nothing here drops a queued notification: only a transaction that rolls back does, and only
/// what it queued itself (the runtime's transactions are internal; see Host::transaction).
class Batcher {
 public:
  /// A batcher whose throwing notifications are reported to `on_error` (null: stderr).
  explicit Batcher(ErrorHandler on_error = {});
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  /// Runs `fn` now when no batch is open and nothing is flushing; otherwise queues it.
  /// Allocates when `fn` does not fit std::function's buffer; an empty `fn` is an
  /// invalid_argument Error.
  void notify(std::function<void()> fn);
  /// Opens a batch; notifications wait until the matching end_batch of the outermost one.
  void begin_batch() noexcept { ++depth_; }
  /// Closes a batch; the outermost one flushes. Without an open batch: an invalid_argument
  /// Error, and nothing changes.
  void end_batch();
  /// Whether notifications are being held (a batch is open or a flush is running). O(1).
  [[nodiscard]] bool in_batch() const noexcept { return depth_ > 0 || flushing_; }

  /// RAII batch: `{ Batcher::Scope s(b); ... }` notifies once at the end, also when the scope is
  /// left by an exception.
  class Scope {
   public:
    /// Opens a batch on `b`, which must outlive the scope.
    explicit Scope(Batcher& b) noexcept : b_(&b) { b_->begin_batch(); }
    ~Scope() { b_->close_batch(); }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Batcher* b_;
  };

 private:
  friend struct detail::BatcherAccess;
  struct Job {
    std::function<void()> fn;  // empty for a plain job
    // A plain job (the runtime's own: a store's change, a bus message), run as plain(arg), and
    // what gives back what `arg` holds when it is dropped unrun (null: nothing to give back).
    void (*plain)(void*);
    void (*drop)(void*);
    void* arg;
    std::uint64_t frame;  // the transaction frame whose rollback drops it; 0: none can
  };
  void enqueue(std::function<void()>&& fn, std::uint64_t frame);
  void enqueue_plain(void (*plain)(void*), void* arg, void (*drop)(void*), std::uint64_t frame);
  void close_batch() noexcept;
  void flush() noexcept;
  void run_queue() noexcept;
  void release_parked() noexcept;

  int depth_ = 0;
  bool flushing_ = false;
  // While flushing_: the index of the first job not yet started (those before it have run or are
  // running; a job run ahead of the queue, BatcherAccess::start_flush_ahead's, leaves it at 0).
  std::size_t next_ = 0;
  // Jobs promised room in queue_ (stores whose reducer is running: their change's notification,
  // transactions.hpp's JobRoom). Every other job queued leaves it: capacity >= size + promised_.
  std::size_t promised_ = 0;
  std::vector<Job> queue_;
  ErrorHandler on_error_;
  std::unique_ptr<detail::TxStack> tx_;  // open transactions (created by the first one)
  std::shared_ptr<void> parked_;         // released once idle (see detail::park_until_idle)
};

namespace detail {
struct SubscriptionState {
  std::function<void()> cancel;
  bool active = true;
  void run_cancel() {
    if (!active) return;
    active = false;
    auto fn = std::move(cancel);
    cancel = nullptr;
    if (fn) fn();
  }
};
}  // namespace detail

/// A link to a subscription that can cancel it but does not own it (an App keeps these for
/// what it must release on unmount). Cancelling twice is harmless.
class SubscriptionLink {
 public:
  SubscriptionLink() = default;
  /// Ends the subscription if it is still active; harmless otherwise.
  void cancel() {
    if (state_) state_->run_cancel();
  }
  /// Whether the subscription has not been cancelled yet.
  [[nodiscard]] bool active() const noexcept { return state_ && state_->active; }

 private:
  friend class Subscription;
  explicit SubscriptionLink(std::shared_ptr<detail::SubscriptionState> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::SubscriptionState> state_;
};

/// A move-only RAII handle: destroying it (or cancel()) ends the subscription. Safe to cancel
/// twice, and safe to cancel from inside the notification it receives.
class [[nodiscard]] Subscription {
 public:
  /// An empty handle (not active).
  Subscription() = default;
  /// A handle that runs `cancel` once, on the first cancel() or on destruction. Allocates.
  explicit Subscription(std::function<void()> cancel)
      : state_(std::make_shared<detail::SubscriptionState>()) {
    state_->cancel = std::move(cancel);
  }
  Subscription(Subscription&&) noexcept = default;
  /// Ends the subscription held so far, then takes over `other`'s.
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      cancel();
      state_ = std::move(other.state_);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { cancel(); }

  /// Ends the subscription (runs its cancel function) if still active; harmless otherwise.
  void cancel() {
    if (state_) state_->run_cancel();
  }
  /// Whether the subscription has not been cancelled yet.
  [[nodiscard]] bool active() const noexcept { return state_ && state_->active; }
  /// Keeps the subscription alive without this handle: it then ends only by cancel() on a link.
  void detach() noexcept { state_.reset(); }
  /// A non-owning link that can cancel this subscription later. Does not allocate.
  [[nodiscard]] SubscriptionLink link() const { return SubscriptionLink(state_); }

 private:
  std::shared_ptr<detail::SubscriptionState> state_;
};

/// Clock, timers, posted work, the batcher and the error sink, owned together (a Host owns one
/// and keeps it to itself: apps never reach it).
class Runtime {
 public:
  /// A runtime on the system clock.
  Runtime();
  /// A runtime on the given clock (a ManualClock in tests). The clock must outlive it.
  explicit Runtime(const Clock& clock);
  /// A runtime on a manual clock, which advance() can move. The clock must outlive it.
  explicit Runtime(ManualClock& clock);
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The runtime's clock.
  const Clock& clock() const noexcept { return *clock_; }
  /// The clock's current time.
  [[nodiscard]] Millis now() const { return clock_->now(); }
  /// The runtime's timers.
  Scheduler& scheduler() noexcept { return scheduler_; }
  /// The runtime's queue of posted work (the one thread-safe entry point).
  Executor& executor() noexcept { return executor_; }
  /// The runtime's notification batcher (its throwing notifications go to report_error).
  Batcher& batcher() noexcept { return batcher_; }

  /// Runs posted work and due timers until neither has anything left to do now, as a JS event
  /// loop does: one due timer at a time, each followed by the work posted so far (the work a
  /// timer posts runs before the next timer due at the same instant). Returns how many tasks and
  /// timers ran.
  std::size_t run_until_idle();
  /// For tests on a ManualClock: moves the clock forward by `d`, firing every timer due on the
  /// way at its own time, and running posted work after each. Throws invalid_argument when the
  /// runtime does not run on a ManualClock or `d` is negative (time never runs backwards).
  void advance(Millis d);
  /// How many tasks were ever posted and timers ever scheduled. A runtime driven by another event
  /// loop (the browser build) compares it with its value after the last run_until_idle: unchanged,
  /// nothing new can run before the earliest timer that run reported (next_due), so the loop need
  /// not call run_until_idle again until then. Cancelling a timer does not change it (the loop
  /// then wakes for nothing, harmlessly). Thread-safe. O(1).
  [[nodiscard]] std::uint64_t activity() const { return scheduler_.scheduled() + executor_.posted(); }

  /// The one error sink: where every error no caller can receive goes (a throwing notification,
  /// subscriber, watcher or timer of any module on this runtime). Null: stderr.
  void set_error_handler(ErrorHandler handler) { on_error_ = std::move(handler); }
  /// Hands `error` to the error handler (stderr without one, or when the handler throws).
  /// Never throws.
  void report_error(const Error& error) noexcept;

 private:
  std::unique_ptr<Clock> owned_clock_;
  const Clock* clock_;
  ManualClock* manual_ = nullptr;
  ErrorHandler on_error_;
  Scheduler scheduler_;
  Executor executor_;
  Batcher batcher_;
};

}  // namespace mfstate
