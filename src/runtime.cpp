#include "mfstate/runtime.hpp"

#include "mfstate/error.hpp"

namespace mfstate {

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

void Executor::post(std::function<void()> fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "Executor::post needs a function to run");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(fn));
  }
  ready_.notify_one();
}

std::size_t Executor::run_pending() {
  // One task at a time off the shared queue (not a swapped-out batch): a task that throws, or
  // that calls run_pending itself, then leaves the order of the rest intact.
  std::size_t ran = 0;
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return ran;
      fn = std::move(queue_.front());
      queue_.pop_front();
    }
    fn();
    ++ran;
  }
}

bool Executor::wait_for_work(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  return ready_.wait_for(lock, timeout, [this] { return !queue_.empty(); });
}

bool Executor::has_pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !queue_.empty();
}

// ---- Batcher ----

void Batcher::notify(std::function<void()> fn) {
  if (!fn) throw Error(ErrorCode::invalid_argument, "Batcher::notify needs a function to run");
  if (depth_ == 0 && !flushing_) {
    // Run it through the queue anyway so that what it notifies in turn is queued behind it.
    queue_.push_back(std::move(fn));
    flush();
    return;
  }
  queue_.push_back(std::move(fn));
}

void Batcher::end_batch() {
  if (depth_ == 0) throw Error(ErrorCode::invalid_argument, "Batcher::end_batch without begin_batch");
  if (--depth_ == 0 && !flushing_) flush();
}

void Batcher::discard_since(std::size_t mark) noexcept {
  // While flushing, what already ran (and the one running) is not pending: never drop it, or
  // flush's index would point past the queue.
  if (flushing_ && mark <= running_) mark = running_ + 1;
  if (mark < queue_.size()) queue_.resize(mark);
}

void Batcher::flush() {
  flushing_ = true;
  try {
    // Index, not iterator: notifications may enqueue more while we run.
    for (running_ = 0; running_ < queue_.size(); ++running_) {
      auto fn = std::move(queue_[running_]);
      fn();
    }
  } catch (...) {
    // A throwing listener must not swallow the others' notifications forever: drop what ran,
    // keep the rest for the next flush, and let the error reach the caller.
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(running_ + 1));
    running_ = 0;
    flushing_ = false;
    throw;
  }
  queue_.clear();
  running_ = 0;
  flushing_ = false;
}

// ---- Runtime ----

Runtime::Runtime()
    : owned_clock_(std::make_unique<SystemClock>()), clock_(owned_clock_.get()), scheduler_(*clock_) {}

Runtime::Runtime(const Clock& clock) : clock_(&clock), scheduler_(clock) {}

Runtime::Runtime(ManualClock& clock) : clock_(&clock), manual_(&clock), scheduler_(clock) {}

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
