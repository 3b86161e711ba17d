// Internal: the retryer (retryer.cpp) — one fetch or mutation, attempt after attempt, as
// query-core's retryer.ts.
#pragma once

#include <cstdint>
#include <memory>

#include "mfstate/query_options.hpp"
#include "query_async.hpp"

namespace mfstate::detail {

struct ClientCore;

/// What a retryer works for (a query's fetch or a mutation).
class RetryerOwner {
 public:
  virtual ~RetryerOwner() = default;
  /// Runs one attempt on the spot when it can answer without a completion (a sync_fetcher):
  /// true, with its outcome in `out`. False: the attempt is retry_attempt's.
  virtual bool retry_attempt_now(Outcome& /*out*/) { return false; }
  /// Starts one attempt.
  virtual void retry_attempt(const AbortSignal& signal, Completion done) = 0;
  /// The final outcome (success, last failure, or cancelled).
  virtual void retry_settled(Outcome&& o) = 0;
  virtual void retry_failed(int /*failure_count*/, const Error& /*error*/) {}
  virtual void retry_paused() {}
  virtual void retry_resumed() {}
  /// Whether it may run now besides the network (a mutation waits for its scope).
  virtual bool retry_can_run() const { return true; }
};

class Retryer final : public CompletionSink, public std::enable_shared_from_this<Retryer> {
 public:
  struct Config {
    Retry retry;             // set (3, 0, a predicate...)
    RetryDelayOption retry_delay;
    NetworkMode network_mode = NetworkMode::online;
  };
  /// `retry` and `retry_delay` are copied (the options they come from may change meanwhile).
  Retryer(ClientCore& core, const Retry& retry, const RetryDelayOption& retry_delay, NetworkMode network_mode,
          RetryerOwner* owner);
  ~Retryer() override;
  /// Runs the first attempt, or pauses when the network mode (or the owner) forbids it now.
  void start();
  /// Whether start() would run at once.
  bool can_start() const;
  /// Aborts the signal and settles with Error(cancelled). No-op once settled.
  void cancel();
  /// Resumes when paused and allowed to continue now.
  void try_continue();
  /// No further retries after the attempt in flight (its last observer left).
  void cancel_retry() noexcept { retry_cancelled_ = true; }
  /// Retries allowed again (a new caller joined the fetch).
  void continue_retry() noexcept { retry_cancelled_ = false; }
  bool settled() const noexcept { return settled_; }
  bool paused() const noexcept { return paused_; }
  /// Whether the attempt's signal was used by the fetcher (it can be cancelled).
  bool signal_consumed() const noexcept;
  /// Detaches from the client (it is being destroyed): nothing will be delivered any more.
  void orphan() noexcept;
  /// The owner is going away.
  void forget_owner() noexcept { owner_ = nullptr; }
  /// An attempt's outcome arrived through the executor (runtime thread).
  void deliver(std::uint32_t attempt, Outcome&& o) override;

 private:
  void run();
  void on_outcome(std::uint32_t attempt, Outcome&& o);
  void pause();
  void finish(Outcome&& o);
  bool can_continue() const;

  ClientCore* core_;
  Config config_;
  RetryerOwner* owner_;
  std::shared_ptr<AbortState> abort_;  // made by the first attempt that hands out a signal
  std::uint32_t attempt_no_ = 0;
  int failure_count_ = 0;
  TimerId delay_timer_ = 0;
  bool settled_ = false;
  bool paused_ = false;
  bool retry_cancelled_ = false;
};

}  // namespace mfstate::detail
