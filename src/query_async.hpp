// Internal: the state behind Future, AbortSignal and Completion (query_future.cpp), and how a
// completion made on any thread reaches the runtime's thread — or nobody, once the client is gone.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "block_pool.hpp"
#include "mfstate/future.hpp"
#include "mfstate/runtime.hpp"
#include "thread_lock.hpp"

namespace mfstate::detail {

struct Aggregate;

struct FutureState {
  Batcher* batcher = nullptr;
  bool settled = false;
  Outcome outcome;
  std::vector<std::function<void(const Outcome&)>> callbacks;
  /// The all_of this future is part of (counted down when it settles, without a callback).
  std::shared_ptr<Aggregate> aggregate;

  /// Settles once; callbacks run through the batcher. Later calls are ignored.
  void settle(Outcome o);
};

/// all_of's countdown: settles `result` (with null, or with `keep_error` the first error) when
/// `left` reaches 0. Its parts are futures (all_of), or the fetches of a refetch by filters, which
/// count it down directly (a FetchWaiter: no future per refetched query).
///
/// While it is open (parts still being added) `left` holds one extra count, so it cannot settle,
/// and the errors of parts that settle meanwhile wait in `early_errors`: close() takes the first
/// in the parts' order, as all_of does for parts that settled before it was called.
struct Aggregate {
  std::size_t left = 1;
  std::shared_ptr<FutureState> result;
  bool keep_error = false;
  bool open = true;
  std::uint32_t parts = 0;  // ordinals handed out (the order errors are taken in while open)
  std::optional<Outcome> first_error;
  std::vector<std::pair<std::uint32_t, Outcome>> early_errors;

  /// Part `ordinal` settled with `o`.
  void count_down(std::uint32_t ordinal, const Outcome& o);
  /// A part settled with a value (its ordinal matters only for errors).
  void count_down_ok() {
    if (--left == 0) settle_result();
  }
  /// Part `ordinal` is not waited for after all (a fetch paused offline): its count, taken when it
  /// was added, is given back; if it already settled, its error no longer counts.
  void drop(std::uint32_t ordinal, bool still_waiting);
  /// No more parts: settles now when every part already has.
  void close();
  /// `result` with null, or with the first error kept.
  void settle_result() { result->settle(first_error ? std::move(*first_error) : Outcome{}); }
};

/// An open countdown and its result future (settled by the last part, or by close()).
std::shared_ptr<Aggregate> make_aggregate(Batcher& b, bool keep_error);

std::shared_ptr<FutureState> make_future(Batcher& b);
std::shared_ptr<FutureState> settled_future(Batcher& b, Outcome o);
/// The future settled with null that an operation waiting on nothing returns (an invalidation
/// that refetches nothing: S1). One state for the whole process, shared by all its holders: it is
/// never written once made (settle() ignores a settled state; a callback on it runs at once and
/// is not kept), so its holders, on any client or thread, share only its reference count.
/// Allocates only at the first call (std::bad_alloc then, and the next call tries again).
std::shared_ptr<FutureState> settled_null_future();
/// Settles with null when every one of `parts` has settled (errors included, as query-core's
/// refetchQueries) — or, with `keep_error`, with the first error if any failed. Each part must
/// belong to no other all_of.
std::shared_ptr<FutureState> all_of(Batcher& b, const std::vector<std::shared_ptr<FutureState>>& parts,
                                    bool keep_error = false);
Outcome ok_outcome(Value v);
Outcome error_outcome(Error e, Value detail = {});

struct AbortState {
  std::atomic<bool> aborted{false};
  /// The fetcher used the signal (aborted() or on_abort()): it can be cancelled.
  std::atomic<bool> consumed{false};
  ThreadLock mutex;
  std::vector<std::function<void()>> callbacks;
  void abort();
};

/// Where completions are delivered: a retryer's attempt, an infinite query's page.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  /// On the runtime's thread, through the executor.
  virtual void deliver(std::uint32_t attempt, Outcome&& o) = 0;
};

/// The channel from completions on any thread to the client's runtime. The client nulls
/// `executor` when it goes away; a completion posts only under the lock, so it never posts to a
/// client (or runtime) that is gone.
struct Inbox {
  ThreadLock mutex;
  Executor* executor = nullptr;
};

/// One attempt's completion. Lock-free, as every fetch goes through it and most answer at once:
/// the completer writes the outcome to `early`, then moves `phase` from calling to answered. If
/// that succeeds, the runtime's thread is still inside the fetcher call and takes `early` when the
/// call returns (its exchange to returned sees answered, call_with_completion); if the call had
/// returned already, the completer takes the outcome back and posts it. `early` changes hands
/// only through those two atomic operations (release/acquire), so no lock is needed.
struct CompletionState : std::enable_shared_from_this<CompletionState> {
  enum Phase : std::uint8_t { calling, answered, returned };
  std::atomic<bool> done{false};
  std::atomic<std::uint8_t> phase{calling};
  std::optional<Outcome> early;  // an outcome given before the fetcher returned
  std::shared_ptr<Inbox> inbox;
  std::weak_ptr<CompletionSink> sink;  // a weak_ptr: safe to drop on any thread
  std::uint32_t attempt = 0;
  bool complete(Outcome o);
};

/// Makes the public handles (their constructors are private).
struct AsyncAccess {
  static Future future(std::shared_ptr<FutureState> s) { return Future(std::move(s)); }
  static const std::shared_ptr<FutureState>& state(const Future& f) noexcept { return f.state_; }
  static AbortSignal signal(std::shared_ptr<AbortState> s) { return AbortSignal(std::move(s)); }
  static Completion completion(std::shared_ptr<CompletionState> s) { return Completion(std::move(s)); }
};

Outcome outcome_of_exception(std::exception_ptr e);
Error cancelled_error(const std::string& what);
/// key_string(key), or "" for a key JSON cannot spell (one holding NaN or an infinity: the cache
/// holds it as any key, docs/keys.md). Other errors propagate.
std::string key_text_or_none(const Value& key);
/// A fetch of a query that has no fetcher: query-core's words for it ("Missing queryFn: '<hash>'",
/// QueryOptions::fetcher being its queryFn), so that code written against either reads the same.
Error missing_fetcher_error(const Value& key);
/// The detail of the missing-fetcher error: {"missingQueryFn": true, "serial"} (query-core's is a
/// plain Error, not a library error; the package makes that one, see failure_serial).
Value missing_fetcher_detail();
/// A number no other failure the module made has (in this process): the detail of an error the
/// module makes for a fetch carries it as "serial", so that the package hands out one error object
/// per failure, as query-core's `state.error` is the very object the fetch rejected with, and a
/// new object for a new failure.
double failure_serial();

/// Calls `start(completion)` (a fetcher or mutation function) for `attempt` of `sink`: what it
/// throws completes with the error; an outcome given before it returns is returned (the caller
/// handles it at once, no round trip through the executor); a later one is posted to `sink`.
template <typename F>
std::optional<Outcome> call_with_completion(const std::shared_ptr<CompletionSink>& sink, std::uint32_t attempt,
                                            const std::shared_ptr<Inbox>& inbox, F&& start) {
  auto st = std::allocate_shared<CompletionState>(BlockAllocator<CompletionState>());
  st->inbox = inbox;
  st->sink = sink;
  st->attempt = attempt;
  try {
    start(AsyncAccess::completion(st));
  } catch (...) {
    st->complete(outcome_of_exception(std::current_exception()));
  }
  if (st->phase.exchange(CompletionState::returned, std::memory_order_acq_rel) != CompletionState::answered) {
    return std::nullopt;  // no outcome yet: a later one is posted to `sink`
  }
  std::optional<Outcome> early = std::move(st->early);
  st->early.reset();
  return early;
}

}  // namespace mfstate::detail
