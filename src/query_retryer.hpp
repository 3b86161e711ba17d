// Internal: the retryer (retryer.cpp) — one fetch or mutation, attempt after attempt, as
// query-core's retryer.ts.
#pragma once

#include <cstdint>
#include <memory>

#include "mfstate/query_options.hpp"
#include "query_async.hpp"

namespace mfstate::detail {

struct ClientCore;

/// What a retryer works for when it is a separate object (a mutation: see DelegatingRetryer).
class RetryerOwner {
 public:
  virtual ~RetryerOwner() = default;
  /// Starts one attempt.
  virtual void retry_attempt(const AbortSignal& signal, Completion done) = 0;
  /// The final outcome (success, last failure, or cancelled).
  virtual void retry_settled(Outcome&& o) = 0;
  virtual void retry_failed(int /*failure_count*/, const Error& /*error*/, const Value& /*detail*/) {}
  virtual void retry_paused() {}
  virtual void retry_resumed() {}
  /// Whether it may run now besides the network (a mutation waits for its scope).
  virtual bool retry_can_run() const { return true; }
};

/// One fetch or mutation, attempt after attempt. What it works for derives from it and answers
/// its hooks: a query's fetch is its own retryer, so the two are one pooled block (W4 makes and
/// frees one per refetch), and it reads the retry options off the fetch's options, which never
/// change while it runs (a copy of them would not fit the block).
class Retryer : public CompletionSink, public std::enable_shared_from_this<Retryer> {
 public:
  Retryer(ClientCore& core, NetworkMode network_mode) : core_(&core), network_mode_(network_mode) {}
  ~Retryer() override;
  /// Runs the first attempt, or pauses when the network mode (or the owner) forbids it now. The
  /// caller holds a reference to the retryer until it returns (the attempt may settle at once, and
  /// the owner drop its own reference then).
  void start();
  /// Whether start() would run at once.
  bool can_start() const;
  /// Aborts the signal and settles with Error(cancelled) and `detail`. No-op once settled.
  void cancel(Value detail = {});
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
  /// An attempt's outcome arrived through the executor (runtime thread).
  void deliver(std::uint32_t attempt, Outcome&& o) override;

 protected:
  /// Runs one attempt on the spot when it can answer without a completion (a sync_fetcher):
  /// true, with its outcome in `out`. False: the attempt is retry_attempt's.
  virtual bool retry_attempt_now(Outcome& /*out*/) { return false; }
  /// Starts one attempt.
  virtual void retry_attempt(const AbortSignal& signal, Completion done) = 0;
  /// The final outcome (success, last failure, or cancelled).
  virtual void retry_settled(Outcome&& o) = 0;
  virtual void retry_failed(int /*failure_count*/, const Error& /*error*/, const Value& /*detail*/) {}
  virtual void retry_paused() {}
  virtual void retry_resumed() {}
  /// Whether it may run now besides the network (a mutation waits for its scope).
  virtual bool retry_can_run() const { return true; }
  /// The retry options, read after a failure; they may not change while the retryer runs.
  virtual const Retry& retry_option() const = 0;
  virtual const RetryDelayOption& retry_delay_option() const = 0;

 private:
  void run();
  void on_outcome(std::uint32_t attempt, Outcome&& o);
  void pause();
  void finish(Outcome&& o);
  bool can_continue() const;

  ClientCore* core_;
  std::shared_ptr<AbortState> abort_;  // made by the first attempt that hands out a signal
  std::uint32_t attempt_no_ = 0;
  int failure_count_ = 0;
  TimerId delay_timer_ = 0;
  NetworkMode network_mode_;
  bool settled_ = false;
  bool paused_ = false;
  bool retry_cancelled_ = false;
};

/// A retryer working for a separate owner (a mutation), with its own copy of the retry options:
/// the owner's options may change while it runs, and the owner may go first.
class DelegatingRetryer final : public Retryer {
 public:
  DelegatingRetryer(ClientCore& core, const Retry& retry, const RetryDelayOption& retry_delay,
                    NetworkMode network_mode, RetryerOwner* owner)
      : Retryer(core, network_mode), retry_(retry), retry_delay_(retry_delay), owner_(owner) {}
  /// The owner is going away: an attempt from now on fails as cancelled, nothing is told.
  void forget_owner() noexcept { owner_ = nullptr; }

 private:
  void retry_attempt(const AbortSignal& signal, Completion done) override;
  void retry_settled(Outcome&& o) override;
  void retry_failed(int failure_count, const Error& error, const Value& detail) override;
  void retry_paused() override;
  void retry_resumed() override;
  bool retry_can_run() const override;
  const Retry& retry_option() const override { return retry_; }
  const RetryDelayOption& retry_delay_option() const override { return retry_delay_; }

  Retry retry_;
  RetryDelayOption retry_delay_;
  RetryerOwner* owner_;
};

}  // namespace mfstate::detail
