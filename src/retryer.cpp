// The retryer: runs one fetch (or mutation) attempt after attempt, as query-core's retryer.ts.
//
// After a failure it retries while `retry` allows (3 by default; a predicate may decide), waiting
// `retry_delay` (min(1000 * 2^n, 30000) ms) on the runtime's scheduler. It pauses instead of
// running when the network mode (or its owner, a mutation waiting for its scope) forbids it now,
// and resumes when the host reports focus or connectivity. Cancelling aborts the signal the
// fetcher holds and settles at once; an attempt completing later is ignored (attempt numbers).
#include <algorithm>

#include "query_internal.hpp"

namespace mfstate::detail {

Retryer::~Retryer() {
  if (core_ != nullptr && delay_timer_ != 0) core_->runtime.scheduler().cancel(delay_timer_);
}

void Retryer::orphan() noexcept {
  if (core_ != nullptr && delay_timer_ != 0) core_->runtime.scheduler().cancel(delay_timer_);
  delay_timer_ = 0;
  core_ = nullptr;
  settled_ = true;
  if (abort_) abort_->abort();
}

bool Retryer::signal_consumed() const noexcept {
  return abort_ && abort_->consumed.load(std::memory_order_relaxed);
}

bool Retryer::can_continue() const {
  return core_ != nullptr && core_->focused && (network_mode_ == NetworkMode::always || core_->online) &&
         retry_can_run();
}

bool Retryer::can_start() const {
  return core_ != nullptr && core_->can_fetch(network_mode_) && retry_can_run();
}

void Retryer::start() {
  if (can_start()) {
    run();
  } else {
    pause();
  }
}

// Every caller of run (start, try_continue, the delay timer) holds a reference to the retryer for
// the whole call, so it takes none of its own: an attempt that answers on the spot (W4's
// sync_fetcher) settles, and its owner may drop the retryer, without the retryer going meanwhile.
// Only an attempt that hands out a completion needs a reference to give it (call_with_completion).
void Retryer::run() {
  if (settled_ || core_ == nullptr) return;
  paused_ = false;
  const std::uint32_t no = ++attempt_no_;
  Outcome now;
  if (retry_attempt_now(now)) {
    on_outcome(no, std::move(now));
    return;
  }
  auto self = shared_from_this();
  // A signal nobody was handed cannot be observed: it is made for the first attempt that needs one.
  // Each attempt starts with it unused, as query-core's fetchFn: whether the last observer leaving
  // cancels the fetch depends on the attempt under way, not on one that read it before.
  if (!abort_) {
    abort_ = std::allocate_shared<AbortState>(BlockAllocator<AbortState>());
  } else {
    abort_->consumed.store(false, std::memory_order_relaxed);
  }
  std::optional<Outcome> early = call_with_completion(
      self, no, core_->inbox, [&](Completion done) { retry_attempt(AsyncAccess::signal(abort_), std::move(done)); });
  if (early) on_outcome(no, std::move(*early));
}

void Retryer::deliver(std::uint32_t no, Outcome&& o) {
  if (core_ == nullptr) return;
  auto self = shared_from_this();
  ClientCore::Op op(*core_);
  on_outcome(no, std::move(o));
}

// on_outcome and finish take no reference of their own: every caller (run through its callers,
// deliver, cancel, the delay timer) holds one for the whole call, so the owner may drop the
// retryer meanwhile.
void Retryer::on_outcome(std::uint32_t no, Outcome&& o) {
  if (settled_ || no != attempt_no_ || core_ == nullptr) return;
  if (o.ok) {
    finish(std::move(o));
    return;
  }
  if (!o.error) o.error = Error(ErrorCode::query_error, "the fetch failed");
  const Error& err = *o.error;
  bool again = false;
  if (!retry_cancelled_ && !o.final) {
    const Retry& retry = retry_option();
    if (const auto* held = retry.function_if()) {
      // A copy: the call may end the function's app, whose options (holding it) are then replaced.
      const auto fn = *held;
      // What a retry function throws has no caller to reach (this runs where the attempt's
      // outcome is delivered): escaping, it left the attempt answered and nothing settled, the
      // fetch fetching for good. A throwing predicate is no retry.
      try {
        again = fn(failure_count_, err, o.detail);
      } catch (...) {
        if (core_ != nullptr) core_->report_current_exception();
        again = false;
      }
    } else {
      const int n = retry.value_if() != nullptr ? *retry.value_if() : 3;
      again = n < 0 || failure_count_ < n;
    }
  }
  // The retry function may have cancelled us, or ended its app (whose fetch with no one else to
  // run it is cancelled): settled, nothing more of the attempt's options runs.
  if (settled_ || core_ == nullptr) return;
  if (!again) {
    finish(std::move(o));
    return;
  }
  const int shift = std::min(failure_count_, 15);
  Millis delay = Millis(std::min<std::int64_t>(std::int64_t{1000} << shift, 30000));  // the default
  const RetryDelayOption& retry_delay = retry_delay_option();
  if (const auto* held = retry_delay.function_if()) {
    const auto fn = *held;  // a copy, as the retry function's
    try {
      delay = fn(failure_count_, err, o.detail);
    } catch (...) {  // as a throwing retry: reported, and the default delay
      if (core_ != nullptr) core_->report_current_exception();
    }
  } else if (const Millis* d = retry_delay.value_if()) {
    delay = *d;
  }
  ++failure_count_;
  retry_failed(failure_count_, err, o.detail);
  if (settled_ || core_ == nullptr) return;  // the hook may have cancelled us
  auto last = std::make_shared<Outcome>(std::move(o));
  std::weak_ptr<Retryer> weak = weak_from_this();
  delay_timer_ = core_->runtime.scheduler().schedule_after(delay, [weak, last] {
    auto r = weak.lock();
    if (!r || r->core_ == nullptr) return;
    r->delay_timer_ = 0;
    if (r->settled_) return;
    ClientCore::Op op(*r->core_);
    if (r->retry_cancelled_) {
      r->finish(std::move(*last));
    } else if (r->can_continue()) {
      r->run();
    } else {
      r->pause();
    }
  });
}

void Retryer::pause() {
  paused_ = true;
  retry_paused();
  if (core_ != nullptr) core_->add_paused(shared_from_this());
}

void Retryer::try_continue() {
  if (!paused_ || settled_ || !can_continue()) return;
  auto self = shared_from_this();
  paused_ = false;
  retry_resumed();
  run();
}

void Retryer::cancel(Value detail) {
  if (settled_) return;
  auto self = shared_from_this();
  if (abort_) abort_->abort();
  finish(error_outcome(cancelled_error("the fetch was cancelled"), std::move(detail)));
}

void Retryer::finish(Outcome&& o) {
  settled_ = true;
  paused_ = false;
  if (delay_timer_ != 0 && core_ != nullptr) core_->runtime.scheduler().cancel(delay_timer_);
  delay_timer_ = 0;
  retry_settled(std::move(o));
}

// ---- a retryer working for a separate owner ----

void DelegatingRetryer::retry_attempt(const AbortSignal& signal, Completion done) {
  if (owner_ == nullptr) throw Error(ErrorCode::cancelled, "the fetch's owner is gone");
  owner_->retry_attempt(signal, std::move(done));
}

void DelegatingRetryer::retry_settled(Outcome&& o) {
  if (owner_ != nullptr) owner_->retry_settled(std::move(o));
}

void DelegatingRetryer::retry_failed(int failure_count, const Error& error, const Value& detail) {
  if (owner_ != nullptr) owner_->retry_failed(failure_count, error, detail);
}

void DelegatingRetryer::retry_paused() {
  if (owner_ != nullptr) owner_->retry_paused();
}

void DelegatingRetryer::retry_resumed() {
  if (owner_ != nullptr) owner_->retry_resumed();
}

bool DelegatingRetryer::retry_can_run() const { return owner_ == nullptr || owner_->retry_can_run(); }

}  // namespace mfstate::detail
