// Mutations: server writes through the query client (TanStack's Mutation, MutationObserver and
// MutationCache).
//
// `mutate(options, variables)` runs the cache's on_mutate then the options' on_mutate (whose
// result is the rollback context), the mutation function with retries, then on_success or
// on_error, then on_settled (cache-level callbacks first each time). The optimistic update
// pattern: on_mutate cancels the queries, snapshots their data, sets the optimistic data and
// returns the snapshot; on_error puts the snapshot back; on_settled invalidates. Mutations with
// the same scope run one at a time, in the order they were started. A settled mutation stays in
// the mutation cache (readable with find / find_all) for gc_time, unless an observer holds it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mfstate/future.hpp"
#include "mfstate/query_options.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate {

class AppQueryClient;

namespace detail {
class MutationObserverImpl;
}

enum class MutationStatus : std::uint8_t { idle, pending, success, error };

std::string_view to_string(MutationStatus s) noexcept;

/// The mutation function: starts the write of `variables` and completes `done` later, possibly on
/// another thread. `signal` aborts when the mutation is cancelled (its app unmounted).
using MutationFn = std::function<void(const Value& variables, const AbortSignal& signal, Completion done)>;

/// One mutation's state (TanStack's MutationState); also what a MutationObserver sees.
struct MutationState {
  Value context;                        ///< what on_mutate returned (null when none)
  std::optional<Value> data;            ///< the result once successful
  std::optional<Error> error;
  int failure_count = 0;
  std::optional<Error> failure_reason;
  Value failure_reason_detail;          ///< what the function's Completion::reject gave beside it
  bool is_paused = false;               ///< waiting for the network or for its scope
  MutationStatus status = MutationStatus::idle;
  Value variables;
  Millis submitted_at{0};

  bool is_idle() const noexcept { return status == MutationStatus::idle; }
  bool is_pending() const noexcept { return status == MutationStatus::pending; }
  bool is_success() const noexcept { return status == MutationStatus::success; }
  bool is_error() const noexcept { return status == MutationStatus::error; }
};

/// A read-only snapshot of one mutation (what MutationCache::find returns).
struct MutationInfo {
  std::uint64_t mutation_id = 0;        ///< increasing, unique within a client
  Value mutation_key;                   ///< null when none
  MutationState state;
  Value meta;
  std::optional<std::string> scope;
  Millis gc_time{0};
  std::size_t observers = 0;
};

struct MutationOptions {
  MutationFn fn;                        ///< empty: the defaults' fn
  Value mutation_key;                   ///< for set_mutation_defaults and filters (array or null)
  std::optional<std::string> scope;     ///< same scope: serialised
  Retry retry;                          ///< 0
  RetryDelayOption retry_delay;         ///< min(1000 * 2^n, 30000) ms
  std::optional<NetworkMode> network_mode;
  Value meta;
  /// Before the function runs; returns the context handed to the other callbacks.
  std::function<Value(const Value& variables)> on_mutate;
  std::function<void(const Value& data, const Value& variables, const Value& context)> on_success;
  std::function<void(const Error& error, const Value& variables, const Value& context)> on_error;
  /// After on_success / on_error: data is null and error set on failure.
  std::function<void(const Value& data, const Error* error, const Value& variables, const Value& context)>
      on_settled;
  std::optional<Millis> gc_time;        ///< how long a settled, unobserved mutation stays: 5 minutes
};

/// Callbacks of one mutate call through a MutationObserver (TanStack's MutateOptions): they run
/// after the options' callbacks, and only while the observer has a listener.
struct MutateOptions {
  std::function<void(const Value& data, const Value& variables, const Value& context)> on_success;
  std::function<void(const Error& error, const Value& variables, const Value& context)> on_error;
  std::function<void(const Value& data, const Error* error, const Value& variables, const Value& context)>
      on_settled;
};

/// Which mutations find_all / is_mutating count (TanStack's MutationFilters).
struct MutationFilters {
  std::optional<Value> mutation_key;  ///< partial match on the mutation key
  std::optional<bool> exact;          ///< default false (MutationCache::find: true)
  std::optional<MutationStatus> status;
  std::function<bool(const MutationInfo&)> predicate;
};

/// A change in the mutation cache (TanStack's MutationCacheNotifyEvent).
struct MutationCacheEvent {
  enum class Type : std::uint8_t { added, removed, updated, observer_added, observer_removed, observer_options_updated };
  Type type;
  std::uint64_t mutation_id = 0;
  Value mutation_key;
  /// For `updated`: "pending", "success", "error", "failed", "pause" or "continue".
  std::string_view action;
};

/// Callbacks for every mutation of a client (TanStack's MutationCache config). They run before
/// the mutation's own callbacks of the same name; what they throw is reported, and a throw from
/// on_success or on_settled after success fails the mutation (as query-core).
struct MutationCacheConfig {
  std::function<void(const Value& variables, const MutationInfo& mutation)> on_mutate;
  std::function<void(const Value& data, const Value& variables, const Value& context, const MutationInfo& mutation)>
      on_success;
  std::function<void(const Error& error, const Value& variables, const Value& context, const MutationInfo& mutation)>
      on_error;
  std::function<void(const Value& data, const Error* error, const Value& variables, const Value& context,
                     const MutationInfo& mutation)>
      on_settled;
};

/// A synchronous mutation function (completes at once).
MutationFn sync_mutation(std::function<Value(const Value& variables)> fn);

/// One subscriber's handle on its latest mutation (TanStack's MutationObserver, behind
/// useMutation). Move-only. On an app's AppQueryClient it ends when the app unmounts.
class MutationObserver {
 public:
  /// An idle observer with `options` (merged with set_mutation_defaults for its key). Allocates.
  MutationObserver(AppQueryClient& client, MutationOptions options);
  MutationObserver(MutationObserver&&) noexcept;
  MutationObserver& operator=(MutationObserver&&) noexcept;
  MutationObserver(const MutationObserver&) = delete;
  MutationObserver& operator=(const MutationObserver&) = delete;
  ~MutationObserver();

  /// Replaces the options: a different mutation_key resets the observer; a pending mutation takes
  /// the new options (its callbacks see them).
  void set_options(MutationOptions options);
  /// The state of the observer's latest mutation (idle before the first mutate or after reset).
  MutationState get_current_result() const;
  /// Adds a listener, called on every change of the observer's mutation.
  Subscription subscribe(std::function<void(const MutationState&)> listener);
  /// Starts a new mutation with `variables`; `callbacks` run after the options' own, while a
  /// listener is subscribed. The Future settles with the data or the error.
  Future mutate(Value variables, MutateOptions callbacks = {});
  /// Forgets the latest mutation (the result is idle again; the mutation itself is not stopped).
  void reset();
  /// Ends the latest mutation, if pending, as an app's end does (AppQueryClient): its own
  /// callbacks no longer run, its signal aborts, and it fails with Error(cancelled), which the
  /// cache's listeners hear. For a shell that runs an app's mutations on its own client and cannot
  /// keep one the app left behind. No-op otherwise.
  void abandon();

 private:
  std::shared_ptr<detail::MutationObserverImpl> impl_;
};

}  // namespace mfstate
