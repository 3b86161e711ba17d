// The runtime: time, timers, work posted from other threads, batched notification, and the
// RAII subscription handle every module returns.
//
// Like the browser, the runtime is single-threaded: every mfstate call happens on the runtime's
// thread. Other threads enter only through Executor::post. Everything time-based reads the
// runtime's Clock and schedules on its Scheduler, so tests run on a ManualClock with no sleeps.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

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
  std::optional<Millis> next_due() const;
  /// How many timers are scheduled. O(1).
  std::size_t pending() const noexcept { return by_id_.size(); }
  /// The clock the scheduler reads.
  const Clock& clock() const noexcept { return *clock_; }

 private:
  using Key = std::pair<Millis, TimerId>;
  const Clock* clock_;
  TimerId next_id_ = 1;
  std::map<Key, std::function<void()>> timers_;
  std::map<TimerId, Millis> by_id_;
};

/// Work handed to the runtime's thread. `post` may be called from any thread.
class Executor {
 public:
  /// Queues `fn` to run on the runtime's thread. Thread-safe. Allocates; an empty `fn` is an
  /// invalid_argument Error.
  void post(std::function<void()> fn);
  /// Runs posted tasks on the calling thread in the order they were posted, until none is left
  /// (tasks they post run too). Returns how many ran. Call only on the runtime's thread. When a
  /// task throws, the error propagates and the tasks after it stay queued, in order.
  std::size_t run_pending();
  /// Blocks until a task is posted or `timeout` passes (for native run loops; tests use
  /// run_pending). Returns true when tasks are waiting. Thread-safe.
  bool wait_for_work(std::chrono::milliseconds timeout);
  /// Whether tasks are waiting. Thread-safe.
  bool has_pending() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

/// The one batching point. Stores, watches, observers and the bus enqueue notifications here;
/// they run when the outermost batch ends, in the order they were enqueued. Notifications
/// enqueued while flushing run in the same flush, after those already queued (never recursively).
///
/// When a notification throws, the error reaches the caller of notify / end_batch; the
/// notifications after it stay queued and run at the next flush.
class Batcher {
 public:
  /// Runs `fn` now when no batch is open and nothing is flushing; otherwise queues it.
  /// Allocates; an empty `fn` is an invalid_argument Error.
  void notify(std::function<void()> fn);
  /// Opens a batch; notifications wait until the matching end_batch of the outermost one.
  void begin_batch() noexcept { ++depth_; }
  /// Closes a batch; the outermost one flushes. Without an open batch: an invalid_argument
  /// Error, and nothing changes.
  void end_batch();
  /// Drops every queued notification that has not started running (a transaction that rolled
  /// back). Only meaningful inside a batch.
  void discard_pending() noexcept { discard_since(0); }
  /// Where the queue stands now, so a failed operation can drop only what it enqueued. O(1).
  std::size_t mark() const noexcept { return queue_.size(); }
  /// Drops the notifications queued since `mark` (never one that already ran or is running).
  void discard_since(std::size_t mark) noexcept;
  /// Whether notifications are being held (a batch is open or a flush is running).
  bool in_batch() const noexcept { return depth_ > 0 || flushing_; }

  /// RAII batch: `{ Batcher::Scope s(b); ... }` notifies once at the end. When the scope is
  /// left by an exception, the batch still ends, and an error thrown by a notification then is
  /// dropped (a second exception during unwinding would terminate the program).
  class Scope {
   public:
    /// Opens a batch on `b`, which must outlive the scope.
    explicit Scope(Batcher& b) : b_(&b), uncaught_(std::uncaught_exceptions()) { b_->begin_batch(); }
    ~Scope() noexcept(false) {
      if (std::uncaught_exceptions() > uncaught_) {
        try {
          b_->end_batch();
        } catch (...) {  // dropped on purpose: see the class comment
        }
      } else {
        b_->end_batch();
      }
    }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Batcher* b_;
    int uncaught_;
  };

 private:
  void flush();
  int depth_ = 0;
  bool flushing_ = false;
  std::size_t running_ = 0;  // index of the notification running while flushing_
  std::vector<std::function<void()>> queue_;
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
  /// A link to the subscription whose state is `s` (Subscription::link makes these).
  explicit SubscriptionLink(std::shared_ptr<detail::SubscriptionState> s) : state_(std::move(s)) {}
  /// Ends the subscription if it is still active; harmless otherwise.
  void cancel() {
    if (state_) state_->run_cancel();
  }
  /// Whether the subscription has not been cancelled yet.
  bool active() const noexcept { return state_ && state_->active; }

 private:
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
  bool active() const noexcept { return state_ && state_->active; }
  /// Keeps the subscription alive without this handle: it then ends only by cancel() on a link.
  void detach() noexcept { state_.reset(); }
  /// A non-owning link that can cancel this subscription later. Does not allocate.
  SubscriptionLink link() const { return SubscriptionLink(state_); }

 private:
  std::shared_ptr<detail::SubscriptionState> state_;
};

/// Clock, timers, posted work and the batcher, owned together (a Host owns one).
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
  Millis now() const { return clock_->now(); }
  /// The runtime's timers.
  Scheduler& scheduler() noexcept { return scheduler_; }
  /// The runtime's queue of posted work (the one thread-safe entry point).
  Executor& executor() noexcept { return executor_; }
  /// The runtime's notification batcher.
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

 private:
  std::unique_ptr<Clock> owned_clock_;
  const Clock* clock_;
  ManualClock* manual_ = nullptr;
  Scheduler scheduler_;
  Executor executor_;
  Batcher batcher_;
};

}  // namespace mfstate
